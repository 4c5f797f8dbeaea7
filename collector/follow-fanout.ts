// Many followers of one run share its reads and their encoding. Followers woken by the same change
// ask the same questions (the run, its streams, the page after the same position): each is asked
// of the store once per *generation*, and each page is turned into SSE bytes once, for all.
// A generation ends when the run changes here, or after maxAgeMs (another collector may write
// the same PostgreSQL), so a follower never waits on an answer older than that.
// A full page (as many lines as asked for) never changes: a step's lines are stored contiguously
// and only appended to. The last few full pages are kept across generations, so followers that
// fell apart (one held back by the follow budget, one resumed) still share reads and bytes.
import type { EventEmitter } from 'node:events';
import type { FollowSource } from './follow.js';
import type { LogPage, LogQuery } from './store/types.js';

interface Generation {
  run?: ReturnType<FollowSource['getRun']>;
  streams?: ReturnType<FollowSource['logStreams']>;
  pages: Map<string, Promise<LogPage>>;
}

/** A page as SSE: every event but the last, and the last (the follower puts its own `id:` before it). */
export interface EncodedPage {
  head: Buffer;
  last: Buffer;
}

const event = (line: unknown) => `event: line\ndata: ${JSON.stringify(line)}\n\n`;

/** Full pages kept: at 1000 lines, ~350 KB each with their encoding, ~22 MB at most. */
const FULL_PAGES = 64;

export class FollowFanout {
  private readonly gens = new Map<string, Generation>();
  private readonly fullPages = new Map<string, LogPage>();
  private readonly encoded = new WeakMap<LogPage, EncodedPage>();

  constructor(
    private readonly store: FollowSource,
    private readonly changes: EventEmitter,
    private readonly maxAgeMs = 250,
  ) {}

  private generation(runId: string): Generation {
    let gen = this.gens.get(runId);
    if (gen) return gen;
    const created: Generation = { pages: new Map() };
    const end = () => {
      clearTimeout(timer);
      this.changes.off(runId, end);
      if (this.gens.get(runId) === created) this.gens.delete(runId);
    };
    const timer = setTimeout(end, this.maxAgeMs).unref();
    this.changes.on(runId, end);
    this.gens.set(runId, (gen = created));
    return gen;
  }

  /** The store as one run's followers see it: shared answers within a generation. */
  source(runId: string): FollowSource {
    const gen = (id: string) => (id === runId ? this.generation(id) : undefined);
    return {
      getRun: (id) => {
        const g = gen(id);
        return g ? (g.run ??= this.store.getRun(id)) : this.store.getRun(id);
      },
      logStreams: (id) => {
        const g = gen(id);
        return g ? (g.streams ??= this.store.logStreams(id)) : this.store.logStreams(id);
      },
      readLogs: async (q: LogQuery) => {
        const g = gen(q.runId);
        if (!g) return this.store.readLogs(q);
        // A page is read after its generation's view of the run and streams: a follower that saw a
        // step's eof there cannot be handed lines read before that eof was stored.
        await Promise.all([(g.run ??= this.store.getRun(q.runId)), (g.streams ??= this.store.logStreams(q.runId))]);
        const key = JSON.stringify([q.runId, q.task, q.step, q.after, q.tail, q.limit]);
        const full = this.fullPages.get(key);
        if (full) {
          // Least recently used goes first: move this one to the end.
          this.fullPages.delete(key);
          this.fullPages.set(key, full);
          return full;
        }
        let page = g.pages.get(key);
        if (!page) {
          g.pages.set(key, (page = this.store.readLogs(q)));
          void page.then(
            (p) => this.keepIfFull(key, q, p),
            () => undefined,
          );
        }
        return page;
      },
    };
  }

  private keepIfFull(key: string, q: LogQuery, page: LogPage): void {
    // One step's page only: a page over several steps could gain lines of a step before the last.
    if (!q.task || !q.step || q.tail !== undefined || page.lines.length < q.limit) return;
    this.fullPages.set(key, page);
    if (this.fullPages.size > FULL_PAGES) this.fullPages.delete(this.fullPages.keys().next().value!);
  }

  /** The SSE bytes of a page, encoded once however many followers send it. */
  encode(page: LogPage): EncodedPage {
    let e = this.encoded.get(page);
    if (!e) {
      const n = page.lines.length;
      e = {
        head: Buffer.from(
          page.lines
            .slice(0, n - 1)
            .map(event)
            .join(''),
        ),
        last: Buffer.from(event(page.lines[n - 1])),
      };
      this.encoded.set(page, e);
    }
    return e;
  }
}

// The read commands without a collector: the store file itself, opened read-only. What a user
// gets from `kiln logs RUN` right after `kiln run`, whose embedded collector has already gone.
import { followLogs } from '../follow.js';
import type { LogPosition, Store } from '../store/types.js';
import type { RunReader } from './reader.js';

const encode = (p: LogPosition | null) => (p ? `${p.streamId}.${p.seq}` : null);
function decode(from: string | undefined): LogPosition | undefined {
  const m = from ? /^(\d+)\.(\d+)$/.exec(from) : null;
  return m ? { streamId: Number(m[1]), seq: Number(m[2]) } : undefined;
}

/** How often a follower looks at the file again: another process writes it, so no event reaches us. */
const POLL_MS = 200;

export function storeReader(store: Store): RunReader {
  return {
    async listRuns(q) {
      const limit = q.limit ?? 50;
      const m = q.cursor ? /^(\d+)\.(.+)$/.exec(q.cursor) : null;
      const runs = await store.listRuns({
        pipeline: q.pipeline,
        status: q.status,
        limit,
        before: m ? { startedMs: Number(m[1]), id: m[2] } : undefined,
      });
      const last = runs[runs.length - 1];
      return {
        runs: runs.map(({ startedMs: _omit, ...r }) => r),
        next: runs.length === limit && last ? `${last.startedMs}.${last.id}` : null,
      };
    },
    getRun: (id) => store.getRun(id),
    async readLogs(runId, sel) {
      const limit = sel.limit ?? 1000;
      const page = await store.readLogs({
        runId,
        task: sel.task,
        step: sel.step,
        after: decode(sel.from),
        tail: sel.tail,
        limit,
      });
      return { lines: page.lines, next: page.lines.length === limit ? encode(page.last) : null };
    },
    async *followLogs(runId, sel) {
      const pages = followLogs(store, {
        runId,
        task: sel.task,
        step: sel.step,
        waitForChange: () => new Promise((r) => setTimeout(r, POLL_MS)),
      });
      for await (const page of pages) yield* page.lines;
    },
    search: (text, runId) => store.search({ text, runId, limit: 100 }),
    close: () => store.close(),
  };
}

// Following a log: pages of new lines until the followed steps have ended. Shared by the SSE
// route and the CLI's direct (no server) mode; they differ only in how they wait for a change.
import { PROCESS_GONE_REASON, type RunRecord } from '../contract/index.js';
import type { LogPage, LogPosition, LogQuery, LogStreamInfo } from './store/types.js';

export interface FollowSource {
  readLogs(q: LogQuery): Promise<LogPage>;
  logStreams(runId: string): Promise<LogStreamInfo[]>;
  getRun(id: string): Promise<RunRecord | null>;
}

export interface FollowOptions {
  runId: string;
  task?: string;
  step?: string;
  pageSize?: number;
  /** Resolves on a change that may bring lines (or on a timeout): the caller's event or poll. */
  waitForChange: () => Promise<void>;
  /** Once the run has finished, stop after this long without a new line even if a step never sent eof. */
  idleAfterRunEndMs?: number;
  isCancelled?: () => boolean;
  /**
   * Where each followed step's log stands (key: followKey). Pass the positions of an earlier
   * follow to resume it; after each page it holds the position to resume from.
   */
  positions?: FollowPositions;
}

export type FollowPositions = Map<string, LogPosition>;
export const followKey = (task: string, step: string) => `${task}\u0000${step}`;

/**
 * Done when every followed stream has had its last line (eof) and, when following a whole run or
 * task, the run has finished too (a task not started yet has no stream to wait on).
 */
async function followState(src: FollowSource, o: FollowOptions) {
  const run = await src.getRun(o.runId);
  const runEnded = !!run && run.status !== 'Running' && run.status !== 'Queued';
  const streams = (await src.logStreams(o.runId)).filter(
    (s) => (!o.task || s.task === o.task) && (!o.step || s.step === o.step),
  );
  const allEof = streams.length > 0 && streams.every((s) => s.eof);
  // The process that shipped its lines is gone (collector/orphans.ts): no eof will come.
  const shipperGone = !!run?.reason?.startsWith(PROCESS_GONE_REASON);
  return { streams, runEnded, done: shipperGone || (o.step ? allEof : allEof && runEnded) };
}

/**
 * Pages of new lines, each from one step's log. Every step's log has its own position, so steps
 * running side by side are all followed (one position across them would skip lines).
 */
export async function* followLogs(src: FollowSource, o: FollowOptions): AsyncGenerator<LogPage> {
  const positions = o.positions ?? new Map<string, LogPosition>();
  let lastLineAt = Date.now();
  while (!o.isCancelled?.()) {
    // The end is checked before reading: a step's eof is stored with its last lines, so reads
    // made after seeing eof cannot miss any.
    const state = await followState(src, o);
    let got = false;
    for (const s of state.streams) {
      const key = followKey(s.task, s.step);
      const page = await src.readLogs({
        runId: o.runId,
        task: s.task,
        step: s.step,
        after: positions.get(key),
        limit: o.pageSize ?? 1000,
      });
      if (!page.lines.length) continue;
      positions.set(key, page.last!);
      got = true;
      lastLineAt = Date.now();
      yield page;
    }
    if (got) continue;
    if (state.done) return;
    if (state.runEnded && Date.now() - lastLineAt > (o.idleAfterRunEndMs ?? 10_000)) return;
    await o.waitForChange();
  }
}

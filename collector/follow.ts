// Following a log: pages of new lines until the followed steps have ended. Shared by the SSE
// route and the CLI's direct (no server) mode; they differ only in how they wait for a change.
import type { RunRecord } from '../controller/spec/record.js';
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
  after?: LogPosition;
  pageSize?: number;
  /** Resolves on a change that may bring lines (or on a timeout): the caller's event or poll. */
  waitForChange: () => Promise<void>;
  /** Once the run has finished, stop after this long without a new line even if a step never sent eof. */
  idleAfterRunEndMs?: number;
  isCancelled?: () => boolean;
}

/**
 * Done when every followed stream has had its last line (eof) and, when following a whole run or
 * task, the run has finished too (a task not started yet has no stream to wait on).
 */
async function followDone(src: FollowSource, o: FollowOptions): Promise<{ done: boolean; runEnded: boolean }> {
  const run = await src.getRun(o.runId);
  const runEnded = !!run && run.status !== 'Running';
  const streams = (await src.logStreams(o.runId)).filter((s) => (!o.task || s.task === o.task) && (!o.step || s.step === o.step));
  const allEof = streams.length > 0 && streams.every((s) => s.eof);
  return { done: o.step ? allEof : allEof && runEnded, runEnded };
}

export async function* followLogs(src: FollowSource, o: FollowOptions): AsyncGenerator<LogPage> {
  let after = o.after;
  let lastLineAt = Date.now();
  while (!o.isCancelled?.()) {
    // Check for the end before reading: a step's eof is stored with its last lines, so a read
    // after seeing eof cannot miss any.
    const state = await followDone(src, o);
    const page = await src.readLogs({ runId: o.runId, task: o.task, step: o.step, after, limit: o.pageSize ?? 1000 });
    if (page.lines.length) {
      after = page.last ?? after;
      lastLineAt = Date.now();
      yield page;
      continue;
    }
    if (state.done) return;
    if (state.runEnded && Date.now() - lastLineAt > (o.idleAfterRunEndMs ?? 10_000)) return;
    await o.waitForChange();
  }
}

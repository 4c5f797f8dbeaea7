// A running PipelineRun's status, written from its changing run record: changes within a delay go
// out as one patch, at most one in flight per run, always the newest record; the final record is
// written at once.
import type { RunRecord } from '../contract/index.js';
import type { Clock } from '../engine/index.js';
import type { KubeClient, PipelineRunResource } from '../runtimes/kubernetes/index.js';
import { statusFromRecord } from './run-status.js';

export interface StatusWriterDeps {
  client: KubeClient;
  /** The controller's clock, as the engines' timers are: tests see when the delay ends. */
  clock: Clock;
  delayMs: number;
  /** Wait before trying a failed write again. */
  retryMs: number;
  /** A stopped controller writes nothing: its successor owns the status now. */
  stopped: () => boolean;
  log: (line: string) => void;
}

/** The writer of one run: call it with each record (`now` for the final one, which it awaits). */
export function statusWriter(d: StatusWriterDeps, run: PipelineRunResource, runId: string | undefined) {
  const { namespace: ns, name } = run.metadata as { namespace: string; name: string };
  let latest: RunRecord | undefined;
  let flushing: Promise<void> | undefined;
  let cancelTimer: (() => void) | undefined;
  let condition = run.status?.conditions?.[0];
  const flush = async () => {
    // A write that fails after the client's own retries is tried again later unless a newer record came.
    while (latest && !d.stopped()) {
      const r = latest;
      latest = undefined;
      const s = { ...statusFromRecord(r, new Date(d.clock.now()).toISOString(), condition), runId };
      try {
        await d.client.writePipelineRunStatus(ns, name, s);
        condition = s.conditions![0];
      } catch (err) {
        d.log(`${name}: status: ${err instanceof Error ? err.message : String(err)} (retrying)`);
        latest ??= r;
        await new Promise((resolve) => setTimeout(resolve, d.retryMs));
      }
    }
  };
  const start = () => {
    cancelTimer?.();
    cancelTimer = undefined;
    // Cleared once settled, never from inside flush: a flush with nothing to write (a timer set
    // during a write whose loop already took that record) ends synchronously, and would
    // otherwise leave `flushing` set for good, so no status would ever be written again.
    flushing ??= flush().finally(() => (flushing = undefined));
    return flushing;
  };
  return (record: RunRecord, now = false): Promise<void> => {
    latest = record;
    if (now) return start();
    cancelTimer ??= d.clock.setTimer(d.clock.now() + d.delayMs, () => void start());
    return Promise.resolve();
  };
}

// While a run goes on, `kiln run` tells the collector it is alive: every `everyMs` the latest run
// record is sent again with the time in its labels. A collector on another machine cannot look for
// the process, but it can see the beats stop (collector/orphans.ts) and end the run then.
// Beats and the driver's own reports share one queue, so the collector sees them in order and no
// beat carrying an older record lands after a newer one.
import { RUN_LABELS, type RunRecord, type RunReporter } from '../contract/index.js';

/** `kiln run`'s heartbeat period: a run whose kiln died is ended after three missed beats. */
export const HEARTBEAT_EVERY_MS = 30_000;

export function heartbeating(
  reporter: RunReporter,
  everyMs: number = HEARTBEAT_EVERY_MS,
  now: () => Date = () => new Date(),
): RunReporter {
  let queue: Promise<void> = Promise.resolve();
  let last: RunRecord | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stamped = (r: RunRecord): RunRecord => ({
    ...r,
    labels: { ...r.labels, [RUN_LABELS.heartbeat]: now().toISOString(), [RUN_LABELS.heartbeatEvery]: String(everyMs) },
  });
  const send = (call: (r: RunRecord) => void | Promise<void>, r: RunRecord): Promise<void> => {
    const sent = queue.then(() => call(stamped(r)));
    queue = sent.catch(() => undefined);
    return sent;
  };
  const beat = () => {
    // A missed beat is made up by the next one; the driver's reports say their own failures.
    if (last) void send((r) => reporter.runUpdated(r), last).catch(() => undefined);
  };
  return {
    runStarted(r) {
      last = r;
      timer ??= setInterval(beat, everyMs).unref();
      return send((x) => reporter.runStarted(x), r);
    },
    runUpdated(r) {
      last = r;
      return send((x) => reporter.runUpdated(x), r);
    },
    runFinished(r) {
      clearInterval(timer);
      last = undefined;
      return send((x) => reporter.runFinished(x), r);
    },
  };
}

// Ends what a local run started when the process that started it (kiln run) dies, even by SIGKILL.
// Polling, because Linux tells a child of its parent's death only through prctl(PR_SET_PDEATHSIG),
// which Node does not expose: the parent is gone once the process is re-parented (its ppid changes).
import { RUN_MARKER_ENV, signalMarked } from '../contract/proc/index.js';

/** How often the agent looks whether the process that started it is still there. */
const PARENT_CHECK_MS = 250;

export function onParentDeath(gone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    gone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

/**
 * Stops this task run's processes once its runtime died: SIGTERM now to every process carrying its
 * run marker (a step's `setsid` descendants too), SIGKILL to those left when this process exits or
 * graceMs later, whichever comes first. A step that ignores SIGTERM must not outlive its run.
 */
export function stopTaskRun(graceMs: number, exitCode: number): void {
  const scope = process.env[RUN_MARKER_ENV];
  if (!scope) return;
  signalMarked(scope, 'SIGTERM');
  process.once('exit', () => signalMarked(scope, 'SIGKILL'));
  setTimeout(() => process.exit(exitCode), graceMs).unref();
}

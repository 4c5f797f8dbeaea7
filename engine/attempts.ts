// A unit's task runs one after another: retries (with backoff, on failures and/or timeouts) and
// loop iterations. Keeps each ended task run for the record and says when the next may start.
import type { TaskRunStatus, TaskSpec } from '../syntax/index.js';
import type { Unit } from './types.js';

/** Whether a task run that ended with `status` is retried: retries left, and the policy's `on` names it. */
export function retryWanted(task: TaskSpec, status: TaskRunStatus, attempt: number): boolean {
  if (attempt >= task.retries) return false;
  const on = task.retryPolicy?.on ?? ['failure', 'timeout'];
  if (status === 'Failed') return on.includes('failure');
  if (status === 'TimedOut') return on.includes('timeout');
  return false;
}

/** The wait before retry number `retry` (1 for the first): delay × factor^(retry-1), at most max. */
export function retryDelayMs(task: TaskSpec, retry: number): number {
  const backoff = task.retryPolicy?.backoff;
  if (!backoff) return 0;
  return Math.min(backoff.delayMs * backoff.factor ** (retry - 1), backoff.maxMs ?? Number.MAX_SAFE_INTEGER);
}

/** Records the unit's current task run as ended. */
export function endRun(unit: Unit, status: TaskRunStatus, reason: string | undefined, finishedAt: number): void {
  if (!unit.taskRun) return;
  unit.history.push({
    taskRun: unit.taskRun,
    attempt: unit.attempt,
    ...(unit.task.loop ? { iteration: unit.iteration } : {}),
    status,
    ...(reason ? { reason } : {}),
    startedAt: unit.runStartedAt,
    finishedAt,
  });
}

/** The history is worth recording for tasks that may run more than once. */
export const keepsHistory = (task: TaskSpec) => task.retries > 0 || task.loop !== undefined;

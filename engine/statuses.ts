// Statuses derived from the units: what `finally` tasks see as $(tasks.<t>.status) and
// $(tasks.status), and the pipeline run's final status. Tekton's vocabulary.
import { reasonText } from '../contract/index.js';
import type { PipelineRunStatus } from '../syntax/index.js';
import type { EngineState, Unit } from './types.js';

export type FinallyTaskStatus = 'Succeeded' | 'Failed' | 'None';
export type AggregateStatus = 'Succeeded' | 'Failed' | 'Completed' | 'None';

/** $(tasks.<t>.status): a matrix task failed if any combination did; None when skipped or unfinished. */
export function taskStatusForFinally(units: Unit[]): FinallyTaskStatus {
  if (units.some((u) => u.status === 'Failed' || u.status === 'TimedOut' || u.status === 'Cancelled')) return 'Failed';
  if (units.length > 0 && units.every((u) => u.status === 'Succeeded')) return 'Succeeded';
  return 'None';
}

/**
 * $(tasks.status), over the non-finally tasks: Failed when any failed; Succeeded when all
 * succeeded; Completed when none failed and some were skipped; None otherwise (cancelled or
 * still pending).
 */
export function aggregateStatus(units: Unit[]): AggregateStatus {
  if (units.some((u) => u.status === 'Failed' || u.status === 'TimedOut')) return 'Failed';
  if (units.every((u) => u.status === 'Succeeded')) return 'Succeeded';
  if (units.every((u) => u.status === 'Succeeded' || u.status === 'Skipped')) return 'Completed';
  return 'None';
}

/** The run's final status: cancellation and the pipeline timeout win over task failures. */
/** Tekton's reason for a failed task whose pipeline task says `onError: continue`. */
export const FAILURE_IGNORED = 'FailureIgnored';

/** A failure that does not fail the run: the pipeline task's `onError: continue` (not in finally). */
export const failureIgnored = (u: Unit) => u.task.onError === 'continue' && !u.finally;

/** Tekton's reason for a run whose task read a result its producer never wrote. */
export const INVALID_RESULT_REFERENCE = 'InvalidTaskResultReference';
/** Tekton's reason for a task run whose substituted spec is invalid (a step's onError from a param). */
export const TASK_RUN_VALIDATION_FAILED = 'TaskRunValidationFailed';

export function runStatus(state: EngineState): { status: PipelineRunStatus; reason?: string } {
  if (state.stopping === 'cancelled') return { status: 'Cancelled', reason: 'Cancelled' };
  if (state.pipelineTimedOut) return { status: 'TimedOut', reason: 'PipelineTimedOut' };
  const failed = state.units.filter(
    (u) => (u.status === 'Failed' || u.status === 'TimedOut') && !failureIgnored(u) && !state.caught.has(u.task.name),
  );
  const invalid = failed.find((u) => u.reason === INVALID_RESULT_REFERENCE);
  if (invalid) return { status: 'Failed', reason: `${reasonText(invalid)} (task "${invalid.task.name}")` };
  if (failed.length > 0) {
    const names = [...new Set(failed.map((u) => u.task.name))];
    return { status: 'Failed', reason: `TaskFailed: ${names.join(', ')}` };
  }
  return { status: 'Succeeded' };
}

/** A failed task run's message, naming the step that failed: one wording on every runtime, whose records compare. */
export function failedStepMessage(step: { name: string; status: string; exitCode?: number | null }): string {
  if (step.status === 'TimedOut') return `step "${step.name}" timed out`;
  return step.exitCode === null || step.exitCode === undefined
    ? `step "${step.name}" failed`
    : `step "${step.name}" exited with ${step.exitCode}`;
}

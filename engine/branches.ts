// Branches: a task runs only when each predecessor it `needs` ended in a state it accepts
// (`needs: [{task, on: [...]}]`; a plain name accepts succeeded and skipped). A failure that some
// task accepts (`on: [failed]`) is handled: it neither stops nor fails the run.
import type { NeedState, PipelineSpec } from '../syntax/index.js';
import { failureIgnored } from './statuses.js';
import type { EngineState, Unit } from './types.js';

const PLAIN_NEED: readonly NeedState[] = ['succeeded', 'skipped'];

/** A settled task's state as `on:` names it: failed if any run failed, skipped if all were skipped. */
export function needState(units: Unit[]): NeedState | undefined {
  if (units.some((u) => u.status === 'Failed' || u.status === 'TimedOut')) return 'failed';
  if (units.every((u) => u.status === 'Skipped')) return 'skipped';
  if (units.every((u) => u.status === 'Succeeded' || u.status === 'Skipped')) return 'succeeded';
  return undefined; // cancelled
}

/** The first need of the unit whose predecessor ended in a state it does not accept. */
export function unmetNeed(state: EngineState, unit: Unit): string | undefined {
  for (const need of unit.task.needs) {
    const accepted = unit.task.needsOn?.[need] ?? PLAIN_NEED;
    const units = state.unitsByTask.get(need) ?? [];
    const ended = needState(units);
    // Tekton's onError: continue: an ignored failure lets what needs the task run, as a success does.
    const ignored = ended === 'failed' && units.every(failureIgnored) && accepted.includes('succeeded');
    if (!ended || !(accepted.includes(ended) || ignored)) return need;
  }
  return undefined;
}

/** Tasks whose failure some task accepts with `on: [failed]`. */
export function caughtFailures(pipeline: PipelineSpec): Set<string> {
  const caught = new Set<string>();
  for (const task of pipeline.tasks) {
    for (const [need, states] of Object.entries(task.needsOn ?? {})) if (states.includes('failed')) caught.add(need);
  }
  return caught;
}

// Tekton's step results as a runtime lays them out: `$(step.results.r.path)` becomes the running
// step's own result file; an earlier step's `$(steps.s.results.r)` is the agent's to replace (in the
// command, its arguments and the environment) when the step starts.
import type { ResolvedStep } from './runtime.js';
import { mapStepText } from './step-text.js';

const OWN_PATH = /\$\(step\.results\.([A-Za-z0-9_][\w-]*)\.path\)/g;

/** Where step `step`'s result `name` is, as the step sees it (kilnPaths().stepResultFile). */
export type StepResultFile = (step: string, name: string) => string;

/** Whether the task run keeps step results: then every step's agent gets the steps directory. */
export const usesStepResults = (steps: readonly ResolvedStep[]): boolean =>
  steps.some((s) => s.results?.length || s.taskResults);

/** The step with its step result references filled (a no-op when the task has no step results). */
export function withStepResultFiles(
  step: ResolvedStep,
  steps: readonly ResolvedStep[],
  file: StepResultFile,
): ResolvedStep {
  if (!usesStepResults(steps)) return step;
  const own = (text: string) => text.replace(OWN_PATH, (_all, name: string) => file(step.name, name));
  return mapStepText(step, own);
}

/** The entrypoint's step result flags for one step (none when the task has no step results). */
export function stepResultsFlags(
  step: ResolvedStep,
  steps: readonly ResolvedStep[],
  stepsDir: string,
): { stepsDir: string; asTaskResults: Record<string, string> } | undefined {
  return usesStepResults(steps) ? { stepsDir, asTaskResults: step.taskResults ?? {} } : undefined;
}

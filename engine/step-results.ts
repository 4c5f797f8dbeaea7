// Tekton's step results as a runtime lays them out: `$(step.results.r.path)` becomes the running
// step's own result file; an earlier step's `$(steps.s.results.r)` is the agent's to replace (in the
// command, its arguments and the environment) when the step starts.
import type { KilnPaths } from '../contract/index.js';
import type { ResolvedStep } from './runtime.js';
import { mapStepText } from './step-text.js';

const OWN_PATH = /\$\(step\.results\.([A-Za-z0-9_][\w-]*)\.path\)/g;
// The references, or (once withStepResultFiles has laid them out) the files they became.
const ARTIFACTS =
  /\$\((?:step\.)?artifacts\.path\)|\$\(steps\.[A-Za-z0-9_][\w-]*\.(?:inputs|outputs)\.|\/artifacts\/provenance\.json\b/;

/** Where step results and artifacts are, as the step sees them. */
export type StepFiles = Pick<KilnPaths, 'stepResultFile' | 'stepArtifactsFile' | 'taskArtifactsFile'>;

/** Whether a step names Tekton's artifacts (their paths, or an earlier step's). */
const usesArtifacts = (step: ResolvedStep): boolean => {
  let found = false;
  mapStepText(step, (text) => {
    found ||= ARTIFACTS.test(text);
    return text;
  });
  return found;
};

// Asked once per step of a task run with the same steps: scanning every step's text each time was
// quadratic in the steps; the answer is kept per steps array (a plan's list is not changed after).
const stepsUsing = new WeakMap<readonly ResolvedStep[], boolean>();

/** Whether the task run keeps step results or artifacts: then every step's agent gets the steps directory. */
export function usesStepResults(steps: readonly ResolvedStep[]): boolean {
  let uses = stepsUsing.get(steps);
  if (uses === undefined) {
    uses = steps.some((s) => s.results?.length || s.taskResults || usesArtifacts(s));
    stepsUsing.set(steps, uses);
  }
  return uses;
}

/** The step with its step result and artifacts paths filled (a no-op when the task uses neither). */
export function withStepResultFiles(
  step: ResolvedStep,
  steps: readonly ResolvedStep[],
  files: StepFiles,
): ResolvedStep {
  if (!usesStepResults(steps)) return step;
  const own = (text: string) =>
    text
      .replace(OWN_PATH, (_all, name: string) => files.stepResultFile(step.name, name))
      .replaceAll('$(step.artifacts.path)', files.stepArtifactsFile(step.name))
      .replaceAll('$(artifacts.path)', files.taskArtifactsFile);
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

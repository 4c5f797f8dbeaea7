// Tekton's isolated workspaces: a task workspace that some step names in its `workspaces` is seen
// only by the steps that name it, each at its own `mountPath` when it gives one. The runtimes ask
// here which workspaces a step sees and where.
import type { ResolvedStep, TaskRunPlan } from './runtime.js';

export interface SeenWorkspace {
  name: string;
  /** The step's own mount path; absent: where every step sees the workspace. */
  mountPath?: string;
}

/** The task run's workspaces `step` sees (of `workspaces`, in their order). */
export function stepWorkspaces(
  step: ResolvedStep,
  steps: readonly ResolvedStep[],
  workspaces: readonly { name: string }[],
): SeenWorkspace[] {
  const isolated = new Set(steps.flatMap((s) => (s.workspaces ?? []).map((w) => w.name)));
  return workspaces.flatMap((w) => {
    const own = step.workspaces?.find((x) => x.name === w.name);
    if (isolated.has(w.name) && !own) return [];
    return [own?.mountPath ? { name: w.name, mountPath: own.mountPath } : { name: w.name }];
  });
}

/** The run's workspaces a task run uses (each once, in the task's order): what a runtime binds for it. */
export function usedWorkspaces(plan: Pick<TaskRunPlan, 'workspaces'>): string[] {
  return [...new Set(plan.workspaces.map((w) => w.workspace))];
}

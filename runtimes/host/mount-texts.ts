// A task run's steps and sidecars as they run on the host, computed from the plan and the task
// run's directories alone: their `$(…)` resolved to the task run's paths, and every mount path
// (a volume's, a step's own workspace, Tekton's fixed pod paths) written in their texts replaced
// by the directory it stands for, as the step sees it (the sandbox shows the task run at /kiln):
// bwrap cannot make a mount point under the host's read-only entries.
import type { KilnPaths } from '../../contract/index.js';
import {
  mapProbes,
  mapStepText,
  type ResolvedSidecar,
  type ResolvedStep,
  type TaskRunPlan,
} from '../../engine/index.js';
import { resolveRuntimePaths, sandboxWorkspacePaths } from './layout.js';
import { tektonPathMounts } from './tekton-paths.js';
import {
  mountPathRewrite,
  rewriteMountPaths,
  stepMounts,
  stepWorkspaceMounts,
  volumeHostDirs,
  type StepMount,
} from './volumes.js';

/** What the texts are computed from. */
export interface TaskRunDirs {
  plan: TaskRunPlan;
  /** The task run directory on the host. */
  root: string;
  /** The task run's paths as its steps see them (under /kiln in the sandbox, else under root). */
  paths: KilnPaths;
  /** Each workspace's directory on the host. */
  hostDirs: Record<string, string>;
  /** Each workspace's directory as a step outside the sandbox is given it (a read-only one's view). */
  stepDirs: Record<string, string>;
  isolate: boolean;
}

export interface StepTexts {
  /** The steps with their references resolved, mount paths not yet rewritten, and the task run's env. */
  resolved: ReturnType<typeof resolveRuntimePaths>;
  /** Each volume's directory on the host. */
  volumeDirs: Record<string, string>;
  /** Each step's volume mounts on the host (directories to make). */
  mounts: StepMount[][];
  /** The steps as they run: their mount paths rewritten. */
  steps: ResolvedStep[];
}

export function stepTexts({ plan, root, paths, hostDirs, stepDirs, isolate }: TaskRunDirs): StepTexts {
  // A step's own workspace mount path (step `workspaces`) is the workspace's directory, as a volume's;
  // so are Tekton's fixed pod paths (tekton-paths.ts).
  const seenWorkspaces = isolate ? sandboxWorkspacePaths(hostDirs) : stepDirs;
  const resolved = resolveRuntimePaths(plan, paths, seenWorkspaces);
  const volumeDirs = volumeHostDirs(plan, root);
  const mounts = resolved.steps.map((step) => stepMounts(step, volumeDirs, plan, hostDirs));
  const seen = volumeHostDirs(plan, paths.root);
  const steps = resolved.steps.map((step) =>
    rewriteMountPaths(step, [
      ...stepMounts(step, seen, plan, seenWorkspaces),
      ...stepWorkspaceMounts(step, resolved.steps, seenWorkspaces),
      ...tektonPathMounts(plan, paths, stepDirs, isolate, step),
    ]),
  );
  return { resolved, volumeDirs, mounts, steps };
}

/**
 * The sidecars as they run. They follow the steps in the layout: their scripts, spools and post
 * files are the next indexes. Outside the sandbox a sidecar sees a read-only workspace through the
 * same read-only view as the steps (read-only-views.ts). Their mount paths, in their texts and
 * probes, are the volumes' directories too (as a step's).
 */
export function sidecarTexts(
  { plan, paths, hostDirs, stepDirs, isolate }: TaskRunDirs,
  resolvedSteps: readonly ResolvedStep[],
): ResolvedSidecar[] {
  // Outside the sandbox a read-only workspace is its view, as for a step (read-only-views.ts).
  const sidecarDirs = isolate ? sandboxWorkspacePaths(hostDirs) : stepDirs;
  const forSidecars = resolveRuntimePaths({ ...plan, steps: plan.sidecars ?? [] }, paths, sidecarDirs);
  const seen = volumeHostDirs(plan, paths.root);
  return forSidecars.steps.map((s, j): ResolvedSidecar => {
    const all = [...resolvedSteps, ...forSidecars.steps];
    const rewrite = mountPathRewrite([
      ...stepMounts(s, seen, plan, sidecarDirs),
      ...stepWorkspaceMounts(s, all, sidecarDirs),
      ...tektonPathMounts(plan, paths, sidecarDirs, isolate, s),
    ]);
    return { ...mapStepText(s, rewrite), ...mapProbes(plan.sidecars![j]!, (t) => rewrite(forSidecars.resolve(t))) };
  });
}

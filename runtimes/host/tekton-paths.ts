// Tekton's fixed in-pod paths on the host engine. A step may name them as written rather than by
// a variable: `/workspace/<w>` for a workspace of its task (`$(workspaces.w.path)`),
// `/tekton/steps/step-<name>/` or `/tekton/steps/<i>/` for a step's exit code
// (`$(steps.name.exitCode.path)`), `/tekton/results/<r>` for a result (`$(results.r.path)`),
// `/tekton/scripts` for the task run's scripts.
// Nothing can be mounted at those paths here (outside the sandbox at all; in it, /workspace/<w> is
// bound already), so, as a volume's mount path (volumes.ts), each becomes the task run's directory
// that holds it. Any other `/tekton/…` path does not exist in a Kiln task run: the runtime warns.
import type { ResolvedStep, TaskRunPlan } from '../../engine/index.js';
import { type KilnPaths, workspacePath } from '../../contract/index.js';

/** Tekton's paths a task run's steps may name, each with the directory that stands for it. */
export function tektonPathMounts(
  plan: TaskRunPlan,
  paths: KilnPaths,
  workspaceDirs: Record<string, string>,
  isolate: boolean,
): { mountPath: string; dir: string }[] {
  const workspaces = isolate
    ? []
    : Object.entries(workspaceDirs).map(([name, dir]) => ({ mountPath: workspacePath(name), dir }));
  const steps = plan.steps.flatMap((step, i) => [
    { mountPath: `/tekton/steps/step-${step.name}`, dir: paths.stepMetadataDir(i) },
    { mountPath: `/tekton/steps/${i}`, dir: paths.stepMetadataDir(i) },
  ]);
  return [
    ...workspaces,
    ...steps,
    { mountPath: '/tekton/results', dir: paths.resultsDir },
    // The task run's scripts (Tekton names each `script-<i>-<suffix>`, Kiln `<i>`: read as a whole).
    { mountPath: '/tekton/scripts', dir: paths.scriptsDir },
  ];
}

const TEKTON_PATH = /(?<![\w./-])\/tekton(?:\/[\w.-]+)+/g;

/** What a step still names under /tekton once the known paths are mapped: a warning, or undefined. */
export function unmappedTektonPaths(plan: TaskRunPlan, steps: readonly ResolvedStep[]): string | undefined {
  const named = steps.flatMap((step) => {
    const texts = [step.script ?? '', ...(step.command ?? []), ...(step.scriptArgs ?? []), ...Object.values(step.env)];
    const found = new Set([...texts, step.workingDir ?? ''].flatMap((s) => s.match(TEKTON_PATH) ?? []));
    return found.size ? [`step "${step.name}" names ${[...found].join(', ')}`] : [];
  });
  if (named.length === 0) return undefined;
  return (
    `task run ${plan.name}: ${named.join('; ')}, which the host engine does not lay out ` +
    `(of Tekton's pod paths it maps only /workspace/<workspace>, /tekton/steps/…, /tekton/results/… and /tekton/scripts ` +
    `to the task run's directory): use $(workspaces.w.path), $(results.r.path) or a workspace instead`
  );
}

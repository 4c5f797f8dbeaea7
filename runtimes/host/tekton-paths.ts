// Tekton's fixed in-pod paths on the host engine. A step may name them as written rather than by
// a variable: `/workspace/<w>` for a workspace of its task (`$(workspaces.w.path)`),
// `/tekton/steps/step-<name>/` or `/tekton/steps/<i>/` for a step's exit code
// (`$(steps.name.exitCode.path)`), `/tekton/run/<i>/` for its post file, `/tekton/results/<r>` for a result (`$(results.r.path)`),
// `/tekton/scripts` for the task run's scripts, `/tekton/home`, the emptyDir Tekton gives every
// step of a task run (a step's own volume mounted there wins, as Kubernetes lets the user's mount win
// the tie), and `/tekton/creds`, where its credential initialization writes (credentials.ts).
// Nothing can be mounted at those paths here (outside the sandbox at all; in it, /workspace/<w> is
// bound already), so, as a volume's mount path (volumes.ts), each becomes the task run's directory
// that holds it. Any other `/tekton/…` path does not exist in a Kiln task run: the runtime warns.
import { stepWorkspaces, type ResolvedStep, type TaskRunPlan } from '../../engine/index.js';
import { join } from 'node:path';
import { type KilnPaths, workspacePath } from '../../contract/index.js';

/** The directory standing for Tekton's `/tekton/home` in a task run (`root`: its directory as seen). */
export const tektonHomeDir = (root: string) => join(root, 'tekton', 'home');

/** The directory standing for Tekton's `/tekton/creds` (`$(credentials.path)`), as tektonHomeDir. */
export const tektonCredsDir = (root: string) => join(root, 'tekton', 'creds');

/**
 * Tekton's paths `step` may name, each with the directory that stands for it: /workspace/<w> only
 * for a workspace the step sees (an isolated one stays absent to the steps that do not name it).
 */
export function tektonPathMounts(
  plan: TaskRunPlan,
  paths: KilnPaths,
  workspaceDirs: Record<string, string>,
  isolate: boolean,
  step: ResolvedStep,
): { mountPath: string; dir: string }[] {
  const seen = (w: { name: string }) => ({ mountPath: workspacePath(w.name), dir: workspaceDirs[w.name]! });
  const named = Object.keys(workspaceDirs).map((name) => ({ name }));
  const workspaces = isolate ? [] : stepWorkspaces(step, [...plan.steps, ...(plan.sidecars ?? [])], named).map(seen);
  const steps = plan.steps.flatMap((step, i) => [
    { mountPath: `/tekton/steps/step-${step.name}`, dir: paths.stepMetadataDir(i) },
    { mountPath: `/tekton/steps/${i}`, dir: paths.stepMetadataDir(i) },
    { mountPath: `/tekton/run/${i}`, dir: paths.stepDir(i) },
  ]);
  return [
    ...workspaces,
    ...steps,
    { mountPath: '/tekton/results', dir: paths.resultsDir },
    { mountPath: '/tekton/home', dir: tektonHomeDir(paths.root) },
    { mountPath: '/tekton/creds', dir: tektonCredsDir(paths.root) },
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
    `(of Tekton's pod paths it maps only /workspace/<workspace>, /tekton/steps/…, /tekton/run/…, /tekton/results/…, /tekton/scripts, /tekton/home and /tekton/creds ` +
    `to the task run's directory): use $(workspaces.w.path), $(results.r.path) or a workspace instead`
  );
}

/**
 * Outside the sandbox: the steps that redirect output into another step's /tekton/steps/… or
 * /tekton/run/…, which Tekton mounts read-only there, for a warning when bwrap cannot guard them
 * (read-only-views.ts), or undefined. Reading them is fine (a step may read another's exit code), so only `>` is looked for.
 */
export function otherStepPaths(plan: TaskRunPlan): string | undefined {
  const named = plan.steps.flatMap((step, i) => {
    const own = new Set([`step-${step.name}`, String(i)]);
    const texts = [step.script ?? '', ...(step.command ?? []), ...(step.scriptArgs ?? []), ...Object.values(step.env)];
    const paths = texts.flatMap((t) =>
      [...t.matchAll(OTHER_STEP_WRITE)].filter((m) => !own.has(m[2]!)).map((m) => m[1]!),
    );
    return paths.length ? [`step "${step.name}" names ${[...new Set(paths)].join(', ')}`] : [];
  });
  if (named.length === 0) return undefined;
  return (
    `task run ${plan.name}: ${named.join('; ')} to write there: another step's directory, which Tekton shows read-only ` +
    `and the host engine can only with bubblewrap (bwrap), not found or not working here`
  );
}

const OTHER_STEP_WRITE = />\s*(\/tekton\/(?:steps|run)\/([\w.-]+))/g;

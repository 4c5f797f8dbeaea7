// A task's own volumes (Tekton's `volumes` / `volumeMounts`) on the host: each is a directory of
// the task run, fresh for it as a Pod's volume is, filled with its ConfigMap or Secret files.
// Nothing is mounted (outside the sandbox nothing can be; in it, bwrap cannot make a mount point
// under the host's read-only /etc or /var): a mount path written in the step (script, command,
// args, env, workingDir, stdout/stderr paths) is replaced by the directory. `readOnly` is not enforced here.
import { join, normalize } from 'node:path';
import { mapStepText, stepWorkspaces, type ResolvedStep, type TaskRunPlan } from '../../engine/index.js';
import { volumeSourceName, type VolumeMount } from '../../syntax/index.js';
import { LocalRuntimeError } from './errors.js';

/** Where a task run keeps its volume `name` (under its own directory). */
export const volumeDirOf = (taskRunDir: string, name: string) => join(taskRunDir, 'volumes', name);

/** Volume name → host directory, for every volume of the task run. */
export function volumeHostDirs(plan: TaskRunPlan, taskRunDir: string): Record<string, string> {
  return Object.fromEntries((plan.volumes ?? []).map((v) => [v.name, volumeDirOf(taskRunDir, v.name)]));
}

/**
 * The files the volumes show, by host path (`dirOf`: a volume's directory); a volume whose
 * ConfigMap or Secret a param names is refused. The podman engine uses it too.
 */
export function volumeHostFiles(plan: TaskRunPlan, dirOf: (name: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of plan.volumes ?? []) {
    if (!v.files) {
      throw new LocalRuntimeError(
        `task run ${plan.name}: volume "${v.name}" names ${volumeSourceName(v.source)}, which is not among the documents given`,
        plan.name,
        'give its ConfigMap or Secret document in the same file as the run (or in a file passed with it)',
      );
    }
    for (const [path, text] of Object.entries(v.files)) out[join(dirOf(v.name), inside(path, plan))] = text;
  }
  return out;
}

export interface StepMount {
  mountPath: string;
  dir: string;
  readOnly: boolean;
}

/**
 * A step's mounts: where each shows, and the directory it shows (`dirs`: the volumes',
 * `workspaceDirs`: the workspaces', for a mount of `$(workspaces.w.volume)`).
 */
export function stepMounts(
  step: ResolvedStep,
  dirs: Record<string, string>,
  plan: TaskRunPlan,
  workspaceDirs: Record<string, string>,
): StepMount[] {
  return (step.volumeMounts ?? []).map((m: VolumeMount) => {
    const dir = m.workspace === undefined ? dirs[m.name] : workspaceDirs[m.workspace];
    if (dir === undefined)
      throw new LocalRuntimeError(
        `task run ${plan.name}: step "${step.name}" mounts volume "${m.name}", which the task does not have`,
        plan.name,
        `declare it under the Task's volumes`,
      );
    return { mountPath: normalize(m.mountPath), dir: join(dir, inside(m.subPath ?? '', plan)), readOnly: !!m.readOnly };
  });
}

function inside(path: string, plan: TaskRunPlan): string {
  const clean = normalize(path || '.');
  if (clean.startsWith('/') || clean === '..' || clean.startsWith('../'))
    throw new LocalRuntimeError(
      `task run ${plan.name}: volume path "${path}" leaves its volume`,
      plan.name,
      'give a relative path inside the volume',
    );
  return clean;
}

/** A step's own workspace mount paths (step `workspaces`), each the workspace's directory as the step sees it. */
export function stepWorkspaceMounts(
  step: ResolvedStep,
  steps: readonly ResolvedStep[],
  dirs: Record<string, string>,
): { mountPath: string; dir: string }[] {
  return stepWorkspaces(
    step,
    steps,
    Object.keys(dirs).map((name) => ({ name })),
  ).flatMap((w) => (w.mountPath ? [{ mountPath: normalize(w.mountPath), dir: dirs[w.name]! }] : []));
}

/**
 * Outside a sandbox: each mount path written in the step's strings, where it stands as a whole path
 * or a path's first part, becomes its directory (the longest mount path first).
 */
export function rewriteMountPaths(step: ResolvedStep, mounts: { mountPath: string; dir: string }[]): ResolvedStep {
  return mounts.length === 0 ? step : mapStepText(step, mountPathRewrite(mounts));
}

/** The text rewrite of rewriteMountPaths, for other strings of a step (a sidecar's probes). */
export function mountPathRewrite(mounts: { mountPath: string; dir: string }[]): (text: string) => string {
  if (mounts.length === 0) return (text) => text;
  const sorted = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![\\w./-])(${sorted.map((m) => escape(m.mountPath)).join('|')})(?![\\w.-])`, 'g');
  // The first mount at a path wins: a step's own volume over Tekton's fixed paths (tekton-paths.ts).
  const dirOf = new Map<string, string>();
  for (const m of mounts) if (!dirOf.has(m.mountPath)) dirOf.set(m.mountPath, m.dir);
  return (s: string) => s.replace(pattern, (p: string) => dirOf.get(p)!);
}

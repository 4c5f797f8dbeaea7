// The on-disk side of a local task run: where the run and its workspaces live, the pod-like
// directory of each task run, and the step strings with the runtime's own paths filled in.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { kilnPaths, workspacePath, type KilnPaths } from '../../contract/index.js';
import { makeResolver, stepIndexNamed, substitute, substituteStep } from '../../syntax/index.js';
import {
  stepWorkspaces,
  usedWorkspaces,
  withStepResultFiles,
  type ResolvedStep,
  type TaskRunPlan,
} from '../../engine/index.js';
import { scriptText, shellFor } from './shell.js';
import { tektonCredsDir, tektonHomeDir } from './tekton-paths.js';
import { LocalRuntimeError } from './errors.js';

export const runDirOf = (baseDir: string, pipelineRun: string) => join(baseDir, pipelineRun);
export const taskRunDirOf = (baseDir: string, plan: TaskRunPlan) =>
  join(runDirOf(baseDir, plan.pipelineRun), plan.name);

function checkSubPath(subPath: string | undefined, plan: TaskRunPlan): string {
  if (!subPath) return '';
  const clean = normalize(subPath);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith('../')) {
    throw new LocalRuntimeError(
      `task run ${plan.name}: workspace subPath "${subPath}" leaves its workspace`,
      plan.name,
      'give a relative path inside the workspace',
    );
  }
  return clean;
}

/** Task workspace name → host directory. Unbound and emptyDir workspaces share one directory per run. */
export function workspaceHostDirs(plan: TaskRunPlan, baseDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const use of plan.workspaces) {
    const binding = plan.workspaceBindings[use.workspace] ?? { kind: 'emptyDir' };
    let dir: string;
    if (binding.kind === 'dir') dir = resolve(binding.path);
    else if (binding.kind === 'emptyDir' || binding.kind === 'volumeClaimTemplate' || binding.kind === 'files')
      dir = join(runDirOf(baseDir, plan.pipelineRun), 'workspaces', use.workspace);
    // A claim given beside the run is the run's own directory, shared by every task that binds it.
    else if (binding.declared) dir = join(runDirOf(baseDir, plan.pipelineRun), 'claims', binding.claimName);
    else {
      throw new LocalRuntimeError(
        `task run ${plan.name}: workspace "${use.workspace}" is bound to PersistentVolumeClaim "${binding.claimName}", which cannot be used locally`,
        plan.name,
        `bind it to a directory: kiln run --workspace ${use.workspace}=DIR`,
      );
    }
    out[use.name] = join(dir, checkSubPath(binding.subPath, plan), checkSubPath(use.subPath, plan));
  }
  return out;
}

/**
 * The files a ConfigMap, Secret or projected workspace shows, by host path. Written before each
 * task run, so a task that changed them does not change what the next one reads.
 */
export function workspaceFiles(plan: TaskRunPlan, baseDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ws of usedWorkspaces(plan)) {
    const binding = plan.workspaceBindings[ws];
    if (binding?.kind !== 'files') continue;
    const dir = join(runDirOf(baseDir, plan.pipelineRun), 'workspaces', ws);
    for (const [path, text] of Object.entries(binding.files)) out[join(dir, checkSubPath(path, plan))] = text;
  }
  return out;
}

/**
 * A task run with credentials: its steps' $HOME is the directory standing for /tekton/home, where
 * they were written (credentials.ts), unless a step sets HOME itself. Tekton copies them into the
 * image's HOME; here that would be the user's own home, which a task run never writes.
 */
function withCredentialsHome(step: ResolvedStep, plan: TaskRunPlan, paths: KilnPaths): ResolvedStep {
  if (!plan.credentials || step.env.HOME !== undefined) return step;
  return { ...step, env: { ...step.env, HOME: tektonHomeDir(paths.root) } };
}

/** Fills `$(results.r.path)` and `$(workspaces.w.path)` with the paths the step will see. */
export function resolveRuntimePaths(
  plan: TaskRunPlan,
  paths: KilnPaths,
  workspaceDirs: Record<string, string>,
): { steps: ResolvedStep[]; env: Record<string, string>; resolve: (text: string) => string } {
  const resolverOf = (workspacePaths: Record<string, string>) =>
    makeResolver({
      resultPath: paths.resultFile,
      credentialsPath: tektonCredsDir(paths.root),
      workspacePaths,
      stepExitCodePath: (name) => exitCodeFile(paths, plan.steps, name),
    });
  const resolver = resolverOf(workspaceDirs);
  // As in Tekton's Pod, a step that does not see an isolated workspace (step `workspaces`) reads its
  // path as /workspace/<w>, which it cannot find: never the directory the other steps share.
  const resolverFor = (step: ResolvedStep) => {
    const seen = new Set(stepWorkspaces(step, plan.steps, plan.workspaces).map((w) => w.name));
    const hidden = Object.keys(workspaceDirs).filter((name) => !seen.has(name));
    if (hidden.length === 0) return resolver;
    return resolverOf({ ...workspaceDirs, ...Object.fromEntries(hidden.map((name) => [name, workspacePath(name)])) });
  };
  const steps = plan.steps.map((planned) => {
    const step = withStepResultFiles(withCredentialsHome(planned, plan, paths), plan.steps, paths);
    const { args, ...rest } = substituteStep({ ...step, args: step.scriptArgs ?? [] }, resolverFor(planned));
    return { ...step, ...rest, ...(step.scriptArgs ? { scriptArgs: args } : {}) } as ResolvedStep;
  });
  const env = Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, substitute(v, resolver)]));
  return { steps, env, resolve: (text) => substitute(text, resolver) };
}

/** The file the agent writes step `name`'s exit code to (`$(steps.name.exitCode.path)`). */
export function exitCodeFile(paths: KilnPaths, steps: readonly { name: string }[], name: string): string | undefined {
  const i = stepIndexNamed(steps, name);
  return i === undefined ? undefined : `${paths.stepMetadataDir(i)}/exitCode`;
}

/** Workspace dirs as the sandbox shows them: /workspace/<name>. */
export function sandboxWorkspacePaths(workspaceDirs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(workspaceDirs).map((name) => [name, workspacePath(name)]));
}

/** The run's collector write token, for the log proxy and for agents storing large results. */
export const collectorTokenFile = (root: string) => `${root}/collector-token`;

/**
 * Makes the task run directory (run/, results/, logs/, downward/, scripts/), the workspaces and volumes.
 * Each file-system call is one metadata operation, which on a busy disk waits milliseconds for the
 * journal: after the task run's own directory, they are all issued at once, not one after another
 * (`kiln run`'s chains of task runs waited for them in turn, ≈7 per task run).
 */
export function prepareTaskRunDir(
  root: string,
  steps: ResolvedStep[],
  /** The workspaces' and volumes' directories, made if missing. */
  dirs: string[],
  /** ConfigMap and Secret workspaces' and volumes' files, by host path (workspaceFiles, volumeHostFiles). */
  files: Record<string, string>,
  collectorToken: string | undefined,
  /** Outside a sandbox: steps' working directories are made here (in one, bwrap makes them). */
  makeWorkingDirs: boolean,
  /** KILN_SH: the shell for `/bin/sh` scripts, whatever the image. */
  shell?: string,
): void {
  // Synchronous: a dozen small writes that each take microseconds. As promises each waited its
  // turn in libuv's thread pool behind the removal of the task runs that just ended (≈10 ms of the
  // next task run's start, on its critical path).
  const p = kilnPaths(root);
  mkdirSync(root, { recursive: true });
  for (const dir of [p.runDir, p.resultsDir, p.logDir, p.downwardDir, ...dirs]) mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  // As in Tekton's Pod, no scripts directory without a script (one metadata write less a task run).
  if (steps.some((step) => step.script !== undefined)) mkdirSync(p.scriptsDir, { recursive: true });
  steps.forEach((step, i) => {
    if (step.script === undefined) return;
    writeFileSync(p.scriptFile(i), scriptText(step.script, shellFor(step.image, shell)));
    chmodSync(p.scriptFile(i), 0o755);
  });
  if (collectorToken !== undefined) writeFileSync(collectorTokenFile(root), collectorToken, { mode: 0o600 });
  // After the workspaces exist: a working directory is often under one.
  if (makeWorkingDirs) for (const step of steps) if (step.workingDir) makeWorkingDir(step.workingDir, step.name, root);
}

/** A step's working directory is created when missing, as Tekton's entrypoint does. */
function makeWorkingDir(dir: string, step: string, root: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new LocalRuntimeError(
      `step "${step}": cannot create its workingDir ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      basename(root),
      "use a workingDir under $(workspaces.NAME.path), or run with the sandbox (--isolate) where /workspace is the step's own",
    );
  }
}

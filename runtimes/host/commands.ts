// The argv of each step, as a pod would run it: `kiln-agent entrypoint <flags> -- <command>`,
// optionally inside a bubblewrap sandbox where the task run directory is /kiln and workspaces are
// at /workspace/<name>. Pure: paths and the host root's entries come in.
import { entrypointArgv, KILN_ROOT, type HostStep, type KilnPaths } from '../../contract/index.js';
import { stepResultsFlags, stepWorkspaces, type ResolvedStep, type TaskRunPlan } from '../../engine/index.js';

export interface StepArgvInput {
  agent: string[];
  /** The layout as the step sees it (host paths, or /kiln inside the sandbox). */
  paths: KilnPaths;
  index: number;
  step: ResolvedStep;
  results: string[];
  /** Where a step's dependency cache lives (a directory as the step sees it); none: caches are off. */
  cacheDir?: string;
  /** The agent ends the step when the runtime's process dies (bwrap's --die-with-parent does it when isolated). */
  exitWithParent?: boolean;
  /** Where results too large for the termination message go (as the step sees the token file). */
  resultsStore?: { url: string; tokenFile: string };
  /** Tekton's step results (stepResultsFlags): where they are, which become task results. */
  stepResults?: { stepsDir: string; asTaskResults: Record<string, string> };
  /** A sidecar: started at once, not after the step before it. */
  noWait?: boolean;
  /** A sidecar without probes: where its agent says it has settled. */
  settledFile?: string;
}

export function stepArgv({
  agent,
  paths,
  index,
  step,
  results,
  cacheDir,
  exitWithParent,
  resultsStore,
  stepResults,
  noWait,
  settledFile,
}: StepArgvInput): string[] {
  return entrypointArgv({
    agent,
    paths,
    index,
    results,
    exitWithParent,
    stepName: step.name,
    onError: step.onError,
    timeoutMs: step.timeoutMs,
    // Steps of a local run share one directory, so each writes its termination message apart.
    terminationPath: paths.localTerminationFile(index),
    cache: step.cache && cacheDir ? { spec: step.cache, store: { dir: cacheDir } } : undefined,
    resultsStore,
    stdoutPath: step.stdoutPath,
    stderrPath: step.stderrPath,
    stepResults,
    noWait,
    settledFile,
    when: step.when,
    command: step.script !== undefined ? [paths.scriptFile(index), ...(step.scriptArgs ?? [])] : step.command!,
  });
}

/**
 * Step fields this engine does not honour: steps run on this machine, not in their images, and
 * take what it has. Every other field of a step reaches its command line, script or process.
 */
export const HOST_IGNORED_STEP_FIELDS = ['image', 'resources'] as const satisfies readonly (keyof ResolvedStep)[];

/** Where a step's process starts and with what environment (outside a sandbox). */
export function stepProcess(
  step: ResolvedStep,
  defaults: { cwd: string; env: Record<string, string | undefined> },
): { cwd: string; env: Record<string, string | undefined> } {
  return { cwd: step.workingDir ?? defaults.cwd, env: { ...defaults.env, ...step.env } };
}

/** A step as the host engine launches it: its agent's flags, and where it starts in or out of a sandbox. */
export interface StepLaunch extends HostStep {
  sandboxWhere: { cwd: string; makeCwd: boolean; otherSteps: number[] };
  /** The workspaces the step sees (an isolated one only where a step names it): name → host directory. */
  workspaceDirs: Record<string, string>;
}

export function stepLaunches(o: {
  plan: TaskRunPlan;
  steps: ResolvedStep[];
  sidecars: ResolvedStep[];
  paths: KilnPaths;
  /** The task run directory on the host. */
  root: string;
  /** The workspaces' directories, and the ones the steps are given (read-only views where so). */
  hostDirs: Record<string, string>;
  stepDirs: Record<string, string>;
  env: Record<string, string | undefined>;
  cacheDir?: string;
  resultsStore?: StepArgvInput['resultsStore'];
  /** Wraps a step's agent arguments (read-only binds around its command). */
  wrap?: (i: number, args: string[]) => string[];
}): StepLaunch[] {
  const { plan, steps, sidecars, paths } = o;
  const all = [...steps, ...sidecars];
  return steps.map((step, i) => {
    // A step sees its workspaces and starts in the first.
    const seen = stepWorkspaces(step, all, plan.workspaces).map((w) => w.name);
    const first = seen[0];
    const args = stepArgv({
      agent: [],
      paths,
      index: i,
      step,
      results: plan.results,
      cacheDir: o.cacheDir,
      resultsStore: o.resultsStore,
      stepResults: stepResultsFlags(step, steps, paths.stepsDir),
    }).slice(1); // `entrypoint`
    return {
      args: o.wrap ? o.wrap(i, args) : args,
      ...stepProcess(step, { cwd: first ? o.stepDirs[first]! : o.root, env: o.env }),
      sandboxWhere: {
        cwd: step.workingDir ?? (first ? `/workspace/${first}` : KILN_ROOT),
        makeCwd: step.workingDir !== undefined,
        otherSteps: all.flatMap((_, j) => (j === i ? [] : [j])),
      },
      workspaceDirs: Object.fromEntries(seen.map((name) => [name, o.hostDirs[name]!])),
    };
  });
}

export interface HostRootEntry {
  name: string;
  /** Set for a symlink: where it points. */
  link?: string;
}

export interface SandboxInput {
  hostRoot: HostRootEntry[];
  /** The task run directory on the host: mounted at /kiln. */
  taskRunDir: string;
  /** In-sandbox path → host directory: the workspaces. */
  binds: Record<string, string>;
  /** In-sandbox paths of `binds` the step may not write (a Task workspace's `readOnly`). */
  readOnlyBinds?: string[];
  /** Host paths visible read-only at the same path inside: the agent itself. */
  readOnly: string[];
  cwd: string;
  /** Create cwd when missing (a step's workingDir, which Tekton creates). */
  makeCwd?: boolean;
}

/** Mount points we make ourselves; the host's own copies (if any) are hidden. */
const OWN_MOUNTS = new Set(['proc', 'dev', 'tmp', 'kiln', 'workspace']);

/**
 * bwrap argv for one step: a fresh tmpfs root holding the host's top-level entries read-only
 * (so /kiln and /workspace can be created in it), the task run at /kiln and workspaces
 * read-write, its own /proc, /dev, /tmp and PID namespace; it dies with the runtime.
 */
export function sandboxArgv(input: SandboxInput): string[] {
  const { hostRoot, taskRunDir, binds, readOnly, cwd, makeCwd } = input;
  const writeProtected = new Set(input.readOnlyBinds);
  const argv = ['bwrap', '--tmpfs', '/'];
  for (const e of hostRoot) {
    if (OWN_MOUNTS.has(e.name)) continue;
    if (e.link !== undefined) argv.push('--symlink', e.link, `/${e.name}`);
    else argv.push('--ro-bind', `/${e.name}`, `/${e.name}`);
  }
  // The private /tmp comes before the binds: a checkout, cache or agent that lives under the
  // host's /tmp would otherwise be hidden by it.
  argv.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  argv.push('--bind', taskRunDir, '/kiln');
  for (const [inside, host] of Object.entries(binds))
    argv.push(writeProtected.has(inside) ? '--ro-bind' : '--bind', host, inside);
  for (const path of readOnly) argv.push('--ro-bind', path, path);
  if (makeCwd) argv.push('--dir', cwd);
  argv.push('--unshare-pid', '--die-with-parent', '--chdir', cwd, '--');
  return argv;
}

// The local runtime: a task run is a directory laid out like a pod (kilnPaths) and one
// `kiln-agent entrypoint` process per step, all started at once; the agents order themselves
// through post files exactly as in a pod. Optionally each step runs in a bubblewrap sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, lstatSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { ERR_SUFFIX, KILN_ROOT, kilnPaths, readTermination, taskRunResultsUrl } from '../../contract/index.js';
import { runMarker, signalMarked } from '../../contract/proc/index.js';
import type { CancelReason, ObservedTaskRun, ResolvedStep, Runtime, TaskRunPlan } from '../../engine/index.js';
import { sandboxArgv, stepArgv, stepProcess, type HostRootEntry } from './commands.js';
import { LineSplitter } from './lines.js';
import { LogProxySidecar, type StepLogs } from './log-proxy-sidecar.js';
import { runProcessEnv } from './process-env.js';
import { observeSteps, observeTaskRun, type StepFacts } from './observe.js';
import {
  collectorTokenFile,
  prepareTaskRunDir,
  resolveRuntimePaths,
  runDirOf,
  sandboxWorkspacePaths,
  taskRunDirOf,
  workspaceFiles,
  workspaceHostDirs,
} from './layout.js';

export interface OutputLine {
  pipelineRun: string;
  taskRun: string;
  task: string;
  step: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface SidecarContext {
  plan: TaskRunPlan;
  /** The task run directory on the host. */
  root: string;
  steps: ResolvedStep[];
  /** The run's collector token, written by the runtime when the run ships to a collector. */
  tokenFile?: string;
}

export interface LocalRuntimeOptions {
  /** Where run directories go: `<baseDir>/<pipelineRun>/<taskRun>/`. */
  baseDir: string;
  /** argv prefix that runs kiln-agent (see locateAgent). */
  agent: string[];
  /** Run each step in bubblewrap: /kiln, /workspace/<name>, host root read-only. */
  isolate?: boolean;
  /** Keep run directories after the run (cleanup() leaves them). */
  keep?: boolean;
  /** How long a cancelled step gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Every line a step writes (the agents tee their step's output). */
  onOutput?: (line: OutputLine) => void;
  /**
   * The task run's log proxy: its argv, or undefined for none. It starts with the task run; the
   * task run is reported finished once it has exited too, with each step's logsComplete.
   */
  sidecar?: (ctx: SidecarContext) => string[] | undefined;
  /** How long the log proxy may run on after the last step ended before it is killed; absent: until it exits. */
  sidecarLimitMs?: number;
  /** What the runtime has to say that is no step's output (the log proxy's stderr). */
  onWarning?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The dependency cache directory (`kiln run --cache-dir`); absent: steps' caches are off. */
  cacheDir?: string;
}

interface LiveTaskRun {
  plan: TaskRunPlan;
  root: string;
  steps: ResolvedStep[];
  children: ChildProcess[];
  facts: StepFacts[];
  startedAt: number;
  /** Steps whose end is being recorded (a child may report both 'error' and 'close'). */
  ending: Set<number>;
  cancel?: CancelReason;
  sidecar?: LogProxySidecar;
  killTimers: NodeJS.Timeout[];
}

function hostRootEntries(): HostRootEntry[] {
  return readdirSync('/').map((name) => {
    const st = lstatSync(`/${name}`);
    return st.isSymbolicLink() ? { name, link: readlinkSync(`/${name}`) } : { name };
  });
}

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private listener: (u: ObservedTaskRun) => void = () => {};
  private live = new Map<string, LiveTaskRun>();
  private started = new Set<string>();
  /** Cancels that arrived while their task run was still being set up. */
  private earlyCancels = new Map<string, CancelReason>();
  private hostRoot?: HostRootEntry[];
  /** Pipeline runs with undelivered logs: their directories (the spools) are kept. */
  private undelivered = new Set<string>();

  constructor(private opts: LocalRuntimeOptions) {}

  onUpdate(listener: (u: ObservedTaskRun) => void): void {
    this.listener = listener;
  }

  async start(plan: TaskRunPlan): Promise<void> {
    if (this.started.has(plan.name)) return;
    this.started.add(plan.name);
    const root = taskRunDirOf(this.opts.baseDir, plan);
    const hostDirs = workspaceHostDirs(plan, this.opts.baseDir);
    const isolate = !!this.opts.isolate;
    const paths = kilnPaths(isolate ? KILN_ROOT : root);
    const { steps, env } = resolveRuntimePaths(plan, paths, isolate ? sandboxWorkspacePaths(hostDirs) : hostDirs);
    const shell = (this.opts.env ?? process.env).KILN_SH;
    const files = workspaceFiles(plan, this.opts.baseDir);
    await prepareTaskRunDir(root, steps, hostDirs, files, plan.collector?.token, !isolate, shell);
    // With a collector, results too large for a termination message are stored there.
    const resultsStore = plan.collector && {
      url: taskRunResultsUrl(plan.collector.url, plan.pipelineRun, plan.name),
      tokenFile: collectorTokenFile(paths.root),
    };

    const run: LiveTaskRun = {
      plan,
      root,
      steps,
      children: [],
      facts: steps.map(() => ({})),
      ending: new Set(),
      startedAt: Date.now(),
      killTimers: [],
    };
    this.live.set(plan.name, run);
    const firstWorkspace = Object.keys(hostDirs)[0];
    for (const [i, step] of steps.entries()) {
      const inner = stepArgv({
        agent: this.opts.agent,
        paths,
        index: i,
        step,
        results: plan.results,
        cacheDir: this.opts.cacheDir,
        exitWithParent: !isolate,
        resultsStore,
      });
      const launch = stepProcess(step, {
        cwd: firstWorkspace ? hostDirs[firstWorkspace]! : root,
        env: { ...this.processEnv(plan), ...env },
      });
      const argv = isolate
        ? [
            ...this.sandbox(root, hostDirs, {
              cwd: step.workingDir ?? (firstWorkspace ? `/workspace/${firstWorkspace}` : KILN_ROOT),
              makeCwd: step.workingDir !== undefined,
            }),
            ...inner,
          ]
        : inner;
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: isolate ? '/' : launch.cwd,
        env: launch.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a cancel reaches the agent (and in a sandbox, all of it).
        detached: true,
      });
      run.children.push(child);
      this.pipeOutput(run, i, child);
      child.once('error', (err) => this.stepEnded(run, i, null, null, `${err.message}`));
      child.once('close', (code, signal) => this.stepEnded(run, i, code, signal));
    }
    const early = this.earlyCancels.get(plan.name);
    if (early) {
      // Stopped before the go-ahead: the agents are still waiting and no step ever runs.
      this.stopRun(run, early);
      return;
    }
    const sidecarArgv = this.opts.sidecar?.({
      plan,
      root,
      steps,
      tokenFile: plan.collector && collectorTokenFile(root),
    });
    if (sidecarArgv)
      run.sidecar = new LogProxySidecar({
        argv: sidecarArgv,
        cwd: root,
        env: this.processEnv(plan),
        stateDir: kilnPaths(root).proxyStateDir,
        spool: (i) => kilnPaths(root).spoolFile(i),
        steps: steps.length,
        onWarning: (line) => this.opts.onWarning?.(`${plan.name}: ${line}`),
      });
    // The go-ahead: step 0 waits for this file to be non-empty.
    await writeFile(kilnPaths(root).readyFile, 'ready');
    this.listener({
      name: plan.name,
      status: 'Running',
      results: {},
      steps: observeSteps(steps, run.facts, undefined),
      startedAt: run.startedAt,
    });
  }

  async cancel(taskRunName: string, reason: CancelReason): Promise<void> {
    const run = this.live.get(taskRunName);
    if (!run) {
      if (this.started.has(taskRunName)) this.earlyCancels.set(taskRunName, reason);
      return;
    }
    this.stopRun(run, reason);
  }

  private stopRun(run: LiveTaskRun, reason: CancelReason): void {
    if (run.cancel) return;
    run.cancel = reason;
    for (const child of run.children) signalGroup(child, 'SIGTERM');
    const grace = this.opts.killGraceMs ?? 5000;
    const kill = () => {
      run.children.forEach((c) => signalGroup(c, 'SIGKILL'));
      // A step's process group is not the agent's, and a `setsid` leaves both: the marker finds
      // them. The log proxy is spared: it still delivers what the steps wrote.
      const proxy = run.sidecar?.child.pid;
      signalMarked(runMarker(run.plan.pipelineRun, run.plan.name), 'SIGKILL', [process.pid, ...(proxy ? [proxy] : [])]);
    };
    run.killTimers.push(setTimeout(kill, grace).unref());
  }

  async cleanup(pipelineRun: string): Promise<void> {
    signalMarked(pipelineRun, 'SIGKILL');
    if (this.opts.keep || this.undelivered.has(pipelineRun)) return;
    await rm(runDirOf(this.opts.baseDir, pipelineRun), { recursive: true, force: true });
  }

  /** Every process of every live task run, setsid descendants included, for a last-resort stop when the CLI exits. */
  killAll(): void {
    for (const run of this.live.values()) {
      run.children.forEach((c) => signalGroup(c, 'SIGKILL'));
      run.sidecar?.kill();
      signalMarked(run.plan.pipelineRun, 'SIGKILL');
    }
  }

  private processEnv(plan: TaskRunPlan): Record<string, string | undefined> {
    return runProcessEnv(this.opts.env ?? process.env, plan.pipelineRun, plan.name);
  }

  private sandbox(root: string, hostDirs: Record<string, string>, where: { cwd: string; makeCwd: boolean }): string[] {
    this.hostRoot ??= hostRootEntries();
    const binds = Object.fromEntries(Object.entries(hostDirs).map(([name, dir]) => [`/workspace/${name}`, dir]));
    if (this.opts.cacheDir) {
      // The cache outlives runs: bind it at the same path inside (bwrap needs it to exist).
      mkdirSync(this.opts.cacheDir, { recursive: true });
      binds[this.opts.cacheDir] = this.opts.cacheDir;
    }
    const readOnly = this.opts.agent.filter((part) => isAbsolute(part));
    return sandboxArgv({ hostRoot: this.hostRoot, taskRunDir: root, binds, readOnly, ...where });
  }

  private pipeOutput(run: LiveTaskRun, i: number, child: ChildProcess): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter((line) =>
        this.opts.onOutput?.({
          pipelineRun: run.plan.pipelineRun,
          taskRun: run.plan.name,
          task: run.plan.task,
          step: run.steps[i]!.name,
          stream,
          line,
        }),
      );
      child[stream]!.on('data', (chunk: Buffer) => splitter.push(chunk));
      child[stream]!.on('end', () => splitter.end());
    }
  }

  private async stepEnded(
    run: LiveTaskRun,
    i: number,
    code: number | null,
    signal: string | null,
    spawnError?: string,
  ): Promise<void> {
    if (run.ending.has(i)) return;
    run.ending.add(i);
    if (spawnError)
      this.opts.onOutput?.({
        pipelineRun: run.plan.pipelineRun,
        taskRun: run.plan.name,
        task: run.plan.task,
        step: run.steps[i]!.name,
        stream: 'stderr',
        line: `kiln: cannot start the agent: ${spawnError}`,
      });
    const paths = kilnPaths(run.root);
    const text = await readFile(paths.localTerminationFile(i), 'utf8').catch(() => undefined);
    // An agent killed before it wrote its post file: the next steps and the log proxy wait for one.
    if (!existsSync(paths.postFile(i)) && !existsSync(paths.postFile(i) + ERR_SUFFIX))
      await writeFile(paths.postFile(i) + ERR_SUFFIX, '').catch(() => undefined);
    run.facts[i] = { ...run.facts[i], exited: { code, signal, at: Date.now() }, termination: readTermination(text) };
    // Not even the .err twin could be written (a read-only run directory): release the later agents.
    if (!run.cancel) this.releaseIfUnposted(run, i);
    if (!run.facts.every((f) => f.exited)) {
      this.listener({
        name: run.plan.name,
        status: 'Running',
        results: {},
        steps: observeSteps(run.steps, run.facts, run.cancel),
        startedAt: run.startedAt,
      });
      return;
    }
    const logs = await run.sidecar?.finished(this.opts.sidecarLimitMs);
    run.killTimers.forEach(clearTimeout);
    // Nothing of a task run outlives it: what a step left behind, even by setsid.
    signalMarked(runMarker(run.plan.pipelineRun, run.plan.name), 'SIGKILL');
    this.live.delete(run.plan.name);
    if (logs?.some((l) => !l.logsComplete)) this.undelivered.add(run.plan.pipelineRun);
    const observed = observeTaskRun(run.plan.name, run.steps, run.facts, run.cancel, run.startedAt);
    this.listener(logs ? withLogs(observed, logs) : observed);
  }

  /**
   * A step whose agent wrote neither its post file nor the `.err` twin (a read-only or broken
   * disk) would leave the later agents waiting forever: they are stopped, and shown as skipped.
   */
  private releaseIfUnposted(run: LiveTaskRun, i: number): void {
    const post = kilnPaths(run.root).postFile(i);
    if (i === run.steps.length - 1 || existsSync(post) || existsSync(post + ERR_SUFFIX)) return;
    for (let later = i + 1; later < run.steps.length; later++) {
      if (run.facts[later]!.exited) continue;
      run.facts[later]!.released = `step ${run.steps[i]!.name} wrote neither its post file nor ${ERR_SUFFIX}`;
      signalGroup(run.children[later]!, 'SIGTERM');
    }
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function withLogs(observed: ObservedTaskRun, logs: StepLogs[]): ObservedTaskRun {
  return { ...observed, steps: observed.steps.map((s, i) => ({ ...s, ...logs[i] })) };
}

// The local runtime: a task run is a directory laid out like a pod (kilnPaths) whose steps order
// themselves through post files exactly as in a pod. Every step's agent and every task run's log
// proxy run inside one `kiln-agent host` process per pipeline run (host-runner.ts): a step costs the
// spawn of its command, not the start of an agent. In a bubblewrap sandbox (isolate), each step is
// a `kiln-agent entrypoint` process of its own, as in a pod.
import { writeFileSync } from 'node:fs';
import { KILN_ROOT, kilnPaths, taskRunResultsUrl, type HostStep } from '../../contract/index.js';
import { lastPid, runMarker, runProcessEnv, signalMarked } from '../../contract/proc/index.js';
import { type CancelReason, type ObservedTaskRun, type Runtime, type TaskRunPlan } from '../../engine/index.js';
import { stepLaunches, type HostRootEntry } from './commands.js';
import { hostedAgents, spawnAgents, type AgentEvents, type StepAgents } from './agents.js';
import { HostRunner } from './host-runner.js';
import { runnerPool, type HostRunnerPool } from './host-runner-pool.js';
import { RunDirs } from './run-dirs.js';
import { checkProbes } from './probes.js';
import { startSidecars } from './sidecar-start.js';
import { HostedLogProxy, LogProxySidecar, type StepLogs } from './log-proxy-sidecar.js';
import type { LogSink } from './in-process-logs.js';
import { taskRunLogs, type ProxySpec, type SidecarContext } from './task-run-logs.js';
import { observeSteps } from './observe.js';
import type { LiveTaskRun, OutputLine } from './live-run.js';
import { stepEnded, type StepEndContext } from './step-end.js';
import { hostRootEntries, readOnlyWorkspacesOf, taskRunSandbox } from './sandbox.js';
import { collectorTokenFile, prepareTaskRunDir, taskRunDirOf, workspaceFiles, workspaceHostDirs } from './layout.js';
import { volumeDirOf, volumeHostFiles } from './volumes.js';
import { sidecarTexts, stepTexts } from './mount-texts.js';
import { bubblewrapBindsHere, readOnlyViews, readOnlyWrapper, viewsPrefix } from './read-only-views.js';
import { otherStepPaths, tektonCredsDir, tektonHomeDir, unmappedTektonPaths } from './tekton-paths.js';
import { writeCredentials } from './credentials.js';
import { sidecarTmpDir } from './sidecars.js';

export type { OutputLine } from './live-run.js';
export type { SidecarContext };

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
  /** Where this process stores the task runs' logs itself (in-process-logs.ts); given, `sidecar` is not asked. */
  logSink?: LogSink;
  /** What the runtime has to say that is no step's output (the log proxy's stderr). */
  onWarning?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The dependency cache directory (`kiln run --cache-dir`); absent: steps' caches are off. */
  cacheDir?: string;
  /** A `kiln-agent host` started ahead (startHostRunner) for this pipeline run; others are started with its task runs. */
  hostRunner?: { runner: HostRunner; pipelineRun: string };
  /** The task runs' collector is reached over https, so the runners keep NODE_EXTRA_CA_CERTS (runnerProcessEnv); absent: kept. */
  collectorTls?: boolean;
  /** At most this many `kiln-agent host` processes a pipeline run (host-runner-pool.ts); default one a core, ≤ 4. */
  hostRunners?: number;
}

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private listener: (u: ObservedTaskRun) => void = () => {};
  private live = new Map<string, LiveTaskRun>();
  private started = new Set<string>();
  /** Cancels that arrived while their task run was still being set up. */
  private earlyCancels = new Map<string, CancelReason>();
  private hostRoot?: HostRootEntry[];
  private logsAbandoned = false;
  /** The task runs' and pipeline runs' directories, removed as they end or kept (run-dirs.ts). */
  private dirs: RunDirs;
  /** Each pipeline run's `kiln-agent host` processes, the first started with its first task run (or ahead). */
  private runners = new Map<string, HostRunnerPool>();

  constructor(private opts: LocalRuntimeOptions) {
    this.dirs = new RunDirs(opts.baseDir, !!opts.keep);
    const early = opts.hostRunner;
    if (early) this.runnerPool(early.pipelineRun, early.runner);
  }

  onUpdate(listener: (u: ObservedTaskRun) => void): void {
    this.listener = listener;
  }

  async start(plan: TaskRunPlan): Promise<void> {
    if (this.started.has(plan.name)) return;
    this.started.add(plan.name);
    const pool = this.opts.isolate ? undefined : this.runnerPool(plan.pipelineRun);
    pool?.expect();
    // A set-up that fails before the task run takes its runner must not leave it counted as
    // coming: the pool would start a runner for it with the next task run.
    await this.begin(plan).catch((err: unknown) => {
      pool?.abandon(plan.name);
      throw err;
    });
  }

  private async begin(plan: TaskRunPlan): Promise<void> {
    const bornAfter = lastPid();
    const root = taskRunDirOf(this.opts.baseDir, plan);
    const hostDirs = workspaceHostDirs(plan, this.opts.baseDir);
    const isolate = !!this.opts.isolate;
    const paths = kilnPaths(isolate ? KILN_ROOT : root);
    const readOnlyWorkspaces = readOnlyWorkspacesOf(plan);
    // Outside the sandbox a read-only workspace is a read-only view of its directory (read-only-views.ts).
    const views = isolate ? undefined : readOnlyViews(root, hostDirs, readOnlyWorkspaces);
    const stepDirs = views?.dirs ?? hostDirs;
    const dirsOf = { plan, root, paths, hostDirs, stepDirs, isolate };
    const { resolved, volumeDirs, mounts, steps } = stepTexts(dirsOf);
    const env = resolved.env;
    const unmapped = unmappedTektonPaths(plan, steps);
    const unguarded = isolate ? undefined : otherStepPaths(plan);
    for (const warning of [unmapped, unguarded && !bubblewrapBindsHere() ? unguarded : undefined])
      if (warning) this.opts.onWarning?.(warning);
    // Outside the sandbox, what Tekton shows read-only is bound so around a step's command.
    const guard = isolate
      ? undefined
      : readOnlyWrapper(root, views, steps, steps.length + (plan.sidecars?.length ?? 0));
    // Without bubblewrap a directory cannot be shown read-only to one step and writable to another.
    if (readOnlyWorkspaces.length && !isolate && !views)
      this.opts.onWarning?.(
        `task run ${plan.name}: workspace ${readOnlyWorkspaces.map((w) => `"${w}"`).join(', ')} is readOnly, which the host engine enforces only with bubblewrap (bwrap), not found or not working here`,
      );
    const shell = (this.opts.env ?? process.env).KILN_SH;
    const files = {
      ...workspaceFiles(plan, this.opts.baseDir),
      ...volumeHostFiles(plan, (name) => volumeDirOf(root, name)),
    };
    const stepsText = JSON.stringify(resolved.steps);
    const dirs = [
      ...[...Object.values(hostDirs), ...Object.values(volumeDirs), ...(views?.made ?? []), ...(guard?.dirs ?? [])],
      // Named as written or as `$(credentials.path)` (already its directory, which ends so too).
      ...(stepsText.includes('/tekton/home') ? [tektonHomeDir(root)] : []),
      ...(stepsText.includes('/tekton/creds') ? [tektonCredsDir(root)] : []),
      ...(isolate ? (plan.sidecars ?? []).map((_, j) => sidecarTmpDir(root, j)) : []),
      // In the sandbox each step sees the others' run directories read-only: they must exist to be bound.
      ...(isolate ? [...steps, ...(plan.sidecars ?? [])].map((_, j) => kilnPaths(root).stepMetadataDir(j)) : []),
      ...mounts.flat().map((m) => m.dir),
    ];
    const sidecars = sidecarTexts(dirsOf, resolved.steps);
    sidecars.forEach((s) => checkProbes(plan.name, s));
    prepareTaskRunDir(root, [...steps, ...sidecars], dirs, files, plan.collector?.token, !isolate, shell);
    if (plan.credentials) await writeCredentials(plan.credentials, root, paths.root);
    // With a collector, results too large for a termination message are stored there.
    const resultsStore = plan.collector && {
      url: taskRunResultsUrl(plan.collector.url, plan.pipelineRun, plan.name),
      tokenFile: collectorTokenFile(paths.root),
    };

    const run: LiveTaskRun = {
      plan,
      root,
      steps,
      agents: { signal: () => undefined },
      facts: steps.map(() => ({})),
      ending: new Set(),
      startedAt: Date.now(),
      bornAfter,
      killTimers: [],
    };
    this.live.set(plan.name, run);
    const processEnv = { ...this.processEnv(plan), ...env };
    const launches = stepLaunches({
      plan,
      steps,
      sidecars,
      paths,
      root,
      hostDirs,
      stepDirs,
      env: processEnv,
      cacheDir: this.opts.cacheDir,
      resultsStore,
      wrap: guard?.wrap,
    });
    const early = this.earlyCancels.get(plan.name);
    const logs = taskRunLogs({
      ...this.opts,
      plan,
      root,
      steps: [...steps, ...sidecars.map((s) => ({ ...s, name: `sidecar-${s.name}` }))],
      isolate,
      cancelled: !!early,
    });
    run.sidecar = logs.inProcess;
    if (isolate)
      run.agents = this.spawnAgents(
        run,
        launches.map((l) => [
          ...this.sandbox(root, l.workspaceDirs, readOnlyWorkspaces, l.sandboxWhere),
          ...this.opts.agent,
          'entrypoint',
          ...l.args,
        ]),
        launches.map((l) => ({ cwd: '/', env: l.env })),
      );
    else run.agents = this.hostAgents(run, launches, logs.hostedArgs && { args: logs.hostedArgs, spec: logs.spec });
    if (early) {
      // Stopped before the go-ahead: the agents are still waiting and no step ever runs.
      this.stopRun(run, early);
      return;
    }
    if (logs.proxyArgv && !logs.hostedArgs)
      run.sidecar = new LogProxySidecar({ ...logs.spec, argv: logs.proxyArgv, cwd: root, env: this.processEnv(plan) });
    if (this.logsAbandoned) run.sidecar?.kill();
    if (sidecars.length)
      await startSidecars(
        run,
        sidecars,
        // Outside the sandbox a sidecar sees a read-only workspace through its view, as a step does.
        { paths, root, hostDirs: stepDirs, isolate, env: processEnv },
        {
          agent: this.opts.agent,
          killGraceMs: this.opts.killGraceMs ?? 5000,
          sandbox: (dirs, cwd, tmp) => this.sandbox(root, dirs, readOnlyWorkspaces, { cwd, makeCwd: false, tmp }),
          views: viewsPrefix(views),
          onOutput: (line) => this.opts.onOutput?.(line),
          onWarning: (message) => this.opts.onWarning?.(message),
        },
      );
    // Cancelled while the sidecars got ready: the steps never get their go-ahead.
    if (run.cancel) return;
    // The go-ahead (step 0 waits for this file to be non-empty), written at once: not queued in the
    // thread pool behind the removal of the task runs that just ended (prepareTaskRunDir).
    writeFileSync(kilnPaths(root).readyFile, 'ready');
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
    run.agents.signal('SIGTERM');
    const grace = this.opts.killGraceMs ?? 5000;
    const kill = () => {
      run.agents.signal('SIGKILL');
      // A step's process group is not the agent's, and a `setsid` leaves both: the marker finds
      // them. The log proxy is spared: it still delivers what the steps wrote.
      const proxy = run.sidecar?.pid;
      signalMarked(runMarker(run.plan.pipelineRun, run.plan.name), 'SIGKILL', [process.pid, ...(proxy ? [proxy] : [])]);
    };
    run.killTimers.push(setTimeout(kill, grace).unref());
  }

  async cleanup(pipelineRun: string): Promise<void> {
    // The runner is let go, not killed: with nothing live it exits on its own (and writes its
    // --cpu-prof, when profiled); with something live it stops that first.
    const runnerPids = this.runners.get(pipelineRun)?.close() ?? [];
    this.runners.delete(pipelineRun);
    signalMarked(pipelineRun, 'SIGKILL', [process.pid, ...runnerPids]);
    await this.dirs.cleanup(pipelineRun);
  }

  /**
   * The logs have nowhere to go (kiln run's embedded collector could not start): each task run's
   * shipping stops now, or as it starts, instead of retrying until the log deadline; the lines stay
   * in the spools, reported undelivered.
   */
  abandonLogs(): void {
    this.logsAbandoned = true;
    for (const run of this.live.values()) run.sidecar?.kill();
  }

  /** Every process of every live task run, setsid descendants included, for a last-resort stop when the CLI exits. */
  killAll(): void {
    for (const run of this.live.values()) {
      run.agents.signal('SIGKILL');
      run.sidecar?.kill();
      signalMarked(run.plan.pipelineRun, 'SIGKILL');
    }
    for (const pool of this.runners.values()) pool.close();
  }

  private processEnv(plan: TaskRunPlan): Record<string, string | undefined> {
    return runProcessEnv(this.opts.env ?? process.env, plan.pipelineRun, plan.name);
  }

  private sandbox(
    root: string,
    hostDirs: Record<string, string>,
    readOnlyWorkspaces: string[],
    where: { cwd: string; makeCwd: boolean; tmp?: string },
  ): string[] {
    this.hostRoot ??= hostRootEntries();
    const o = { hostRoot: this.hostRoot, agent: this.opts.agent, cacheDir: this.opts.cacheDir };
    return taskRunSandbox(o, root, hostDirs, readOnlyWorkspaces, where);
  }

  private agentEvents(run: LiveTaskRun): AgentEvents {
    return {
      line: (i, stream, line) => {
        run.sidecar?.line?.(i, stream, line);
        this.opts.onOutput?.({
          pipelineRun: run.plan.pipelineRun,
          taskRun: run.plan.name,
          task: run.plan.task,
          step: run.steps[i]!.name,
          stream,
          line,
        });
      },
      ended: (i, code, signal, spawnError) => {
        run.sidecar?.stepEnded?.(i);
        void stepEnded(this.stepEnds(), run, i, code, signal, spawnError);
      },
    };
  }

  private spawnAgents(
    run: LiveTaskRun,
    argvs: string[][],
    launches: { cwd: string; env: Record<string, string | undefined> }[],
  ): StepAgents {
    return spawnAgents(argvs, launches, this.agentEvents(run));
  }

  private hostAgents(
    run: LiveTaskRun,
    steps: HostStep[],
    proxy: { args: string[]; spec: ProxySpec } | undefined,
  ): StepAgents {
    const name = run.plan.name;
    const pool = this.runnerPool(run.plan.pipelineRun);
    const runner = pool.take(name);
    const shipping = proxy && new HostedLogProxy(proxy.spec, () => runner.send({ op: 'stop-logs', taskRun: name }));
    if (shipping) run.sidecar = shipping;
    const holdLogs = !!shipping && pool.logs.holdFor(name, () => runner.send({ op: 'ship-logs', taskRun: name }));
    return hostedAgents(
      runner,
      name,
      steps.map(({ args, cwd, env }) => ({ args, cwd, env })),
      shipping && { args: proxy.args, shipping, hold: holdLogs },
      { ...this.agentEvents(run), warn: proxy ? proxy.spec.onWarning : () => undefined },
    );
  }

  /** The pipeline run's runners, made with its first task run (or with the runner started ahead). */
  private runnerPool(pipelineRun: string, early?: HostRunner): HostRunnerPool {
    const o = this.opts;
    let pool = this.runners.get(pipelineRun);
    if (pool) return pool;
    pool = runnerPool(o.agent, o.env ?? process.env, pipelineRun, {
      size: o.hostRunners,
      early,
      collectorTls: o.collectorTls ?? true,
    });
    pool.onWarning = (line) => o.onWarning?.(line);
    this.runners.set(pipelineRun, pool);
    return pool;
  }

  private stepEnds(): StepEndContext {
    return {
      onOutput: (line) => this.opts.onOutput?.(line),
      listener: (u) => this.listener(u),
      sidecarLimitMs: this.opts.sidecarLimitMs,
      stepsDone: (run) => this.runners.get(run.plan.pipelineRun)?.stepsDone(run.plan.name),
      retire: (run, logs) => this.retire(run, logs),
    };
  }

  /** An ended task run is no longer live; its directory goes unless it holds undelivered logs (or is kept). */
  private retire(run: LiveTaskRun, logs: StepLogs[] | undefined): void {
    this.live.delete(run.plan.name);
    this.runners.get(run.plan.pipelineRun)?.release(run.plan.name);
    this.dirs.taskRunEnded(run.plan.pipelineRun, run.root, !logs?.some((l) => !l.logsComplete));
  }
}

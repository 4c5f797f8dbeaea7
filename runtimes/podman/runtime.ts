// The podman engine: each task run is the Pod the Kubernetes pod builder makes, made playable by
// podman 4.3 (manifest.ts) and run with `podman kube play --network host` (the log proxy and the
// agents reach the run's collector on loopback). Steps are waited for in order with `podman wait`
// (an event, no polling), their termination files read from the host directories the Pod mounts,
// and the Pod removed before the task run is reported finished, so nothing of it outlives the run.
// Tekton's sidecars are held to and stopped by the runtime itself (sidecars.ts).
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  defaultProxyStateDir,
  proxyReportFile,
  spoolFileIn,
  stepLogsOf,
  TERMINATION_PATH,
  type LogProxyReport,
  type StepLogs,
} from '../../contract/index.js';
import {
  withSidecarFailure,
  type CancelReason,
  type ObservedTaskRun,
  type Runtime,
  type TaskRunPlan,
} from '../../engine/index.js';
import { buildPod, podName, READY_VALUE, volumeForTaskVolume } from '../kubernetes/index.js';
import { readyWarnings, volumeHostFiles, workspaceFiles, type OutputLine } from '../host/index.js';
import { observePlayedPod, type InspectedContainer, type PodFacts } from './observe.js';
import { LOG_PROXY, playablePod, podDirs, writePlayablePod } from './manifest.js';
import { PodSidecars } from './sidecars.js';
import { markUnposted, RUN_VOLUME } from './sidecar-agent.js';
import { Podman, type PodmanCommand } from './podman.js';
import { followLogs } from './logs.js';
import { forPodman } from './plan.js';
import { startPodWatchdog, stopPodWatchdog } from './watchdog.js';

export interface PodmanRuntimeOptions {
  podman: PodmanCommand;
  /** Task run directories (the Pod's host volumes): `<baseDir>/<pipelineRun>/<taskRun>/`. */
  baseDir: string;
  /** The image holding the portable /kiln tree (ensureAgentImage). */
  agentImage: string;
  keep?: boolean;
  /** How long a stopped step gets between SIGTERM and SIGKILL (`podman stop -t`). */
  killGraceMs?: number;
  onOutput?: (line: OutputLine) => void;
  /** The log proxy's -deadline; it exits by itself that long after the last step. */
  logDeadline?: string;
  /** How long the log proxy may run on after the last step before it is removed. */
  sidecarLimitMs?: number;
  onWarning?: (message: string) => void;
}

interface LivePod {
  plan: TaskRunPlan;
  root: string;
  pod: V1Pod;
  name: string;
  cancel?: CancelReason;
  stopLogs?: () => void;
  /** Removes the Pod should `kiln run` die without doing so (watchdog.ts). */
  watchdog?: ChildProcess;
  /** Where the steps' go-ahead is written (held back while sidecars get ready). */
  readyFile?: string;
  sidecars?: PodSidecars;
}

export class PodmanRuntime implements Runtime {
  readonly kind = 'podman' as const;
  private listener: (u: ObservedTaskRun) => void = () => {};
  private started = new Set<string>();
  private live = new Map<string, LivePod>();
  private undelivered = new Set<string>();
  private readonly podman: Podman;

  constructor(private opts: PodmanRuntimeOptions) {
    this.podman = new Podman(opts.podman);
  }

  onUpdate(listener: (u: ObservedTaskRun) => void): void {
    this.listener = listener;
  }

  async start(plan: TaskRunPlan): Promise<void> {
    if (this.started.has(plan.name)) return;
    this.started.add(plan.name);
    const root = join(this.opts.baseDir, plan.pipelineRun, plan.name);
    const { plan: built, workspaces } = forPodman(plan, join(this.opts.baseDir, plan.pipelineRun));
    const pod = buildPod(built, {
      namespace: 'default',
      agentImage: this.opts.agentImage,
      owner: { name: plan.pipelineRun, uid: plan.pipelineRun },
      // Container root is the invoking user under rootless podman: files in workspaces stay theirs;
      // every capability is dropped all the same.
      podSecurity: 'restricted',
      runAsUser: 0,
      logDeadline: this.opts.logDeadline,
    });
    const volumeFiles = volumeHostFiles(plan, (name) => podDirs(root).volume(volumeForTaskVolume(name)));
    for (const [path, text] of Object.entries({ ...workspaceFiles(plan, this.opts.baseDir), ...volumeFiles })) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    }
    const playable = playablePod(pod, root, workspaces, plan.collector?.token);
    writePlayablePod(playable);
    await writeFile(podDirs(root).manifest, stringify(playable.manifest));
    const name = podName(plan.name);
    const run: LivePod = { plan, root, pod: playable.manifest, name, readyFile: playable.readyFile };
    if (playable.sidecars.length)
      run.sidecars = new PodSidecars(this.podman, name, plan.name, plan.sidecars!, playable.sidecars, {
        runDir: podDirs(root).volume(RUN_VOLUME),
        firstIndex: plan.steps.length,
      });
    this.live.set(plan.name, run);
    run.watchdog = startPodWatchdog(this.opts.podman, run.name);
    const startedAt = Date.now();
    try {
      await this.podman.run(['kube', 'play', '--network', 'host', podDirs(root).manifest]);
    } catch (err) {
      // The record keeps only the reason: the cause is said here, whole.
      this.opts.onWarning?.(`${plan.name}: ${(err as Error).message}`);
      await this.removePod(run);
      this.finish(run, {
        name: plan.name,
        status: run.cancel ?? 'Failed',
        reason: run.cancel ?? 'PodmanFailed',
        message: (err as Error).message,
        results: {},
        steps: plan.steps.map((s) => ({ name: s.name, status: 'Skipped', exitCode: null, reason: 'PodmanFailed' })),
        startedAt,
        finishedAt: Date.now(),
      });
      return;
    }
    run.sidecars?.watch();
    run.stopLogs = followLogs(this.podman, run.name, playable.manifest, (container, stream, line) => {
      if (container === LOG_PROXY) return this.opts.onWarning?.(`${plan.name}: ${line}`);
      const i = pod.spec!.containers.findIndex((c) => c.name === container);
      const sidecar = run.sidecars?.nameOf(container);
      const step = sidecar !== undefined ? `sidecar-${sidecar}` : plan.steps[i]?.name;
      if (step === undefined) return this.opts.onWarning?.(`${plan.name}: podman logs: ${line}`);
      this.opts.onOutput?.({ pipelineRun: plan.pipelineRun, taskRun: plan.name, task: plan.task, step, stream, line });
    });
    if (run.cancel) await this.stopSteps(run);
    this.listener(await this.observe(run, false));
    void this.follow(run).catch((err: Error) => this.opts.onWarning?.(`${plan.name}: ${err.message}`));
  }

  async cancel(taskRunName: string, reason: CancelReason): Promise<void> {
    const run = this.live.get(taskRunName);
    if (!run || run.cancel) return;
    run.cancel = reason;
    await this.stopSteps(run);
  }

  async cleanup(pipelineRun: string): Promise<void> {
    for (const run of [...this.live.values()].filter((r) => r.plan.pipelineRun === pipelineRun))
      await this.removePod(run);
    if (this.opts.keep || this.undelivered.has(pipelineRun)) return;
    await rm(join(this.opts.baseDir, pipelineRun), { recursive: true, force: true });
  }

  /** Every live Pod removed at once, for a last-resort stop when the CLI exits. */
  killAll(): void {
    for (const run of this.live.values()) this.podman.runSync(['pod', 'rm', '-f', '-t', '0', run.name]);
  }

  private containerOf(run: LivePod, name: string): string {
    return `${run.name}-${name}`;
  }

  /** The steps' containers: the Pod's first ones (the log proxy and the sidecars follow them). */
  private stepContainers(run: LivePod): string[] {
    return run.pod.spec!.containers.slice(0, run.plan.steps.length).map((c) => c.name);
  }

  private grace(): number {
    return Math.ceil((this.opts.killGraceMs ?? 5000) / 1000);
  }

  private async stopSteps(run: LivePod): Promise<void> {
    const names = this.stepContainers(run).map((c) => this.containerOf(run, c));
    await this.podman.run(['stop', '-t', String(this.grace()), ...names]).catch(() => undefined);
  }

  /**
   * The sidecars' readiness, then the steps' go-ahead; each step in order: its end is an update;
   * after the last, the sidecars are stopped, the log proxy waited for, then the Pod goes.
   */
  private async follow(run: LivePod): Promise<void> {
    if (run.sidecars) {
      const ready = await run.sidecars.ready(() => run.cancel !== undefined);
      readyWarnings(run.plan.name, ready, run.cancel).forEach((w) => this.opts.onWarning?.(w));
      if (!run.cancel) await PodSidecars.goAhead(run.readyFile!, READY_VALUE);
    }
    const steps = this.stepContainers(run);
    for (const [i, c] of steps.entries()) {
      await this.podman.run(['wait', this.containerOf(run, c)], 0).catch(() => undefined);
      if (i < steps.length - 1) this.listener(await this.observe(run, false));
    }
    // A step stopped before its go-ahead (a cancel while sidecars got ready) posted nothing: the
    // log proxy would wait for it.
    const runDir = podDirs(run.root).volume(RUN_VOLUME);
    await Promise.all(steps.map((_, i) => markUnposted(runDir, i)));
    const early = (await run.sidecars?.stop(this.grace())) ?? [];
    const logs = run.plan.collector ? await this.proxyFinished(run) : undefined;
    const observed = withSidecarFailure(await this.observe(run, true), early);
    run.stopLogs?.();
    await this.removePod(run);
    if (logs?.some((l) => !l.logsComplete)) this.undelivered.add(run.plan.pipelineRun);
    this.finish(run, logs ? { ...observed, steps: observed.steps.map((s, i) => ({ ...s, ...logs[i] })) } : observed);
  }

  private async proxyFinished(run: LivePod): Promise<StepLogs[]> {
    const proxy = this.containerOf(run, LOG_PROXY);
    const limit = this.opts.sidecarLimitMs;
    const timer =
      limit === undefined
        ? undefined
        : setTimeout(() => {
            this.opts.onWarning?.(
              `${run.plan.name}: the log proxy is still running ${limit} ms after the last step ended; removing it`,
            );
            void this.podman.run(['rm', '-f', '-t', '0', proxy]).catch(() => undefined);
          }, limit);
    const out = await this.podman.run(['wait', proxy], 0).catch(() => '');
    clearTimeout(timer);
    const code = /^-?\d+$/.test(out.trim()) ? Number(out.trim()) : null;
    const logDir = podDirs(run.root).volume('kiln-logs');
    const report = await readFile(proxyReportFile(defaultProxyStateDir(logDir)), 'utf8')
      .then((text) => JSON.parse(text) as LogProxyReport)
      .catch(() => undefined);
    return stepLogsOf(code, report, run.plan.steps.length, (i) => spoolFileIn(logDir, i));
  }

  private async observe(run: LivePod, ended: boolean): Promise<ObservedTaskRun> {
    const names = this.stepContainers(run);
    const json = await this.podman.run(['inspect', ...names.map((c) => this.containerOf(run, c))]).catch(() => '[]');
    const containers = new Map(
      (JSON.parse(json) as InspectedContainer[]).map((c) => [c.Name.slice(run.name.length + 1), c] as const),
    );
    const messages = new Map<string, string>();
    for (const c of names) {
      const file = join(podDirs(run.root).termination(c), basename(TERMINATION_PATH));
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) messages.set(c, text);
    }
    const facts: PodFacts = { containers, messages, ended, cancel: ended ? run.cancel : undefined };
    return observePlayedPod(
      run.pod,
      run.plan.name,
      run.plan.steps.map((s) => s.name),
      facts,
    );
  }

  private async removePod(run: LivePod): Promise<void> {
    await this.podman
      .run(['pod', 'rm', '-f', '-t', '0', '--ignore', run.name])
      .catch((err: Error) => this.opts.onWarning?.(`${run.plan.name}: cannot remove pod ${run.name}: ${err.message}`));
    stopPodWatchdog(run.watchdog);
  }

  private finish(run: LivePod, observed: ObservedTaskRun): void {
    this.live.delete(run.plan.name);
    this.listener(observed);
  }
}

// The reconciler behind `kiln controller`. Informers watch PipelineRuns and Kiln's Pods; a keyed
// work queue with N workers reconciles each changed PipelineRun. A run being executed has one
// engine driver (engine/ runPipeline) over a PodRuntime; the controller keeps no state
// that the cluster does not show, so a restarted controller re-creates the drivers, whose engines
// replay what the existing Pods report (a create meets 409 and adopts the Pod): no duplicate Pods,
// no lost results. Once a run is archived at the collector its Pods are deleted and the finalizer
// released; the PipelineRun itself is deleted only when asked (archiveGraceMs): a user or a
// GitOps tool may own it.
import type { V1Pod } from '@kubernetes/client-node';
import { KilnError, type RunRecord, type RunReporter } from '../contract/index.js';
import { runPipeline, systemClock, type Clock } from '../engine/index.js';
import {
  buildClaims,
  buildPod,
  buildTokenSecret,
  collectorRunId,
  FINALIZER,
  KubeApiError,
  type KubeClient,
  LABELS,
  MANAGED_BY,
  nativeSidecarsSupported,
  type PipelineRunResource,
  type PodSecurity,
  PodRuntime,
} from '../runtimes/kubernetes/index.js';
import { runPageUrl } from '../collector/index.js';
import { keyOf } from './run-key.js';
import { ChildRuns } from './child-runs.js';
import { GroupQueue, isPending } from './group-queue.js';
import { runForgeStatus, type CommitStatusSource } from './forge-status.js';
import { engineClock } from './engine-clock.js';
import { queuedRecord, runCollector, type ControllerCollector } from './run-collector.js';
import { RunEvents } from './run-events.js';
import { Informer } from './informer.js';
import { controllerMetrics, type ControllerMetrics } from './metrics.js';
import { runInputOf, type RunInputDeps } from './run-input.js';
import { finishedStatus, startTimeOf } from './run-status.js';
import { RunArchiver } from './run-archiver.js';
import { statusWriter } from './status-writer.js';
import { WorkQueue } from './work-queue.js';

export interface ControllerOptions {
  client: KubeClient;
  /** Watch one namespace; all when absent. */
  namespace?: string;
  agentImage: string;
  workers?: number;
  /** How long an archived PipelineRun stays before the controller deletes it; absent: never (opt-in). */
  archiveGraceMs?: number;
  /** The collector runs are reported and archived to (controller/run-collector.ts). */
  collector?: ControllerCollector;
  pipelines: Omit<RunInputDeps, 'pipelineByName'>;
  metrics?: ControllerMetrics;
  clock?: Clock;
  /** Steps as their image's user (`image`, default) or PodSecurity `restricted`. */
  podSecurity?: PodSecurity;
  runAsUser?: number;
  /** How long a container may wait on an image or config error before its task fails (default 60 s). */
  startFailureGraceMs?: number;
  /** Native sidecars for the log proxy; absent: decided from the server's version at start. */
  nativeSidecars?: boolean;
  /** How long status changes are gathered into one write (default 250 ms). */
  statusDelayMs?: number;
  /** Where commit statuses of triggered runs find their Trigger and token; absent: none are posted. */
  commitStatuses?: CommitStatusSource;
  /** Delay before re-trying a failed reconcile or archive. */
  retryMs?: number;
  log?: (line: string) => void;
}

interface ActiveRun {
  uid: string;
  runtime: PodRuntime;
  abort: AbortController;
  archived: boolean;
}

export class KilnController {
  readonly metrics: ControllerMetrics;
  private readonly runs = new Map<string, ActiveRun>();
  /**
   * Runs whose driver ended in this process, by key → UID. The informer's copy may still show such
   * a run Running (the final status event not in yet): it must not get a second driver, whose
   * first write would put Running back over the final status.
   */
  private readonly ended = new Map<string, string>();
  /** Runs whose end finished() is archiving now: a reconcile meanwhile (their status patch's watch event) would archive them again. */
  private readonly archiving = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly queue: WorkQueue;
  private readonly runInformer: Informer<PipelineRunResource>;
  private readonly podInformer: Informer<V1Pod>;
  private readonly clock: Clock;
  /** The engines' timers (a run's deadline, a retry's backoff), cancelled when the controller stops. */
  private readonly engineTimers = new Set<() => void>();
  private readonly log: (line: string) => void;
  /** Child PipelineRuns (pipelines that tasks call) their parents wait on. */
  private readonly children: ChildRuns;
  private stopped = false;
  private nativeSidecars = true;
  private readonly events: RunEvents;
  /** Pending runs of concurrency groups, released one at a time per group. */
  private readonly groups: GroupQueue;
  private readonly archiver: RunArchiver;

  constructor(private readonly o: ControllerOptions) {
    this.metrics = o.metrics ?? controllerMetrics();
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? (() => {});
    this.children = new ChildRuns({
      client: o.client,
      current: (ns, name) => this.runInformer.get(ns, name),
      now: () => this.clock.now(),
      log: this.log,
    });
    this.events = new RunEvents(o.client, () => this.clock.now(), this.log);
    this.groups = new GroupQueue({
      client: o.client,
      events: this.events,
      runs: (ns) => this.runInformer.items().filter((r) => r.metadata.namespace === ns),
      now: () => this.clock.now(),
      queuedRecord: o.collector && ((run, at) => queuedRecord(o.collector!, run, at)),
      log: this.log,
    });
    this.archiver = new RunArchiver({
      client: o.client,
      collector: o.collector,
      archiveGraceMs: o.archiveGraceMs,
      events: this.events,
      current: (ns, name) => this.runInformer.get(ns, name),
      pods: () => this.podInformer.items(),
      now: () => this.clock.now(),
      later: (run, ms) => this.later(keyOf(run.metadata.namespace!, run.metadata.name!), ms),
      log: this.log,
    });
    this.queue = new WorkQueue(
      o.workers ?? 2,
      (key) => this.reconcile(key),
      (key, err) => this.retryLater(key, err),
    );
    const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
    this.podInformer = new Informer(
      () => o.client.listPods(o.namespace, selector),
      o.client.watchPods(o.namespace, selector),
      {
        upsert: (pod) => this.routePod(pod, (rt) => rt.podChanged(pod)),
        remove: (pod) => this.routePod(pod, (rt) => rt.podGone(pod)),
        error: (err) => this.log(`pod watch: ${message(err)}`),
      },
    );
    this.runInformer = new Informer(
      () => o.client.listPipelineRuns(o.namespace),
      o.client.watchPipelineRuns(o.namespace),
      {
        upsert: (run) => {
          this.children.changed(run);
          this.queue.add(keyOf(run.metadata.namespace!, run.metadata.name!));
          this.slotFreed(this.groups.freedBy(run));
        },
        remove: (run) => {
          this.children.removed(run);
          this.queue.add(keyOf(run.metadata.namespace!, run.metadata.name!));
          this.slotFreed(this.groups.freedBy(run, { removed: true }));
        },
        error: (err) => this.log(`pipelinerun watch: ${message(err)}`),
      },
    );
  }

  /** Pods first, so a restarted controller's engines find the Pods they already made. */
  async start(): Promise<void> {
    if (this.o.nativeSidecars !== undefined) this.nativeSidecars = this.o.nativeSidecars;
    else {
      const v = await this.o.client.serverVersion();
      this.nativeSidecars = nativeSidecarsSupported(v);
      if (!this.nativeSidecars)
        this.log(
          `the API server is ${v.gitVersion ?? `${v.major}.${v.minor}`}, older than 1.29: the log proxy runs as an ordinary container, not a native sidecar`,
        );
    }
    await this.podInformer.start();
    await this.runInformer.start();
  }

  /** Stops watching and acting; running Pods are left for the next controller to adopt. */
  stop(): void {
    this.stopped = true;
    this.runInformer.stop();
    this.podInformer.stop();
    for (const t of this.timers) clearTimeout(t);
    for (const cancel of this.engineTimers) cancel();
    this.engineTimers.clear();
    for (const run of this.runs.values()) run.runtime.detach();
  }

  /** Resolves when no reconcile is queued or running (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** A run of a concurrency group ended or went: its group's pending runs may start now. */
  private slotFreed(pending: PipelineRunResource[]): void {
    for (const r of pending) this.queue.add(keyOf(r.metadata.namespace!, r.metadata.name!));
  }

  private routePod(pod: V1Pod, fn: (rt: PodRuntime) => void): void {
    const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'PipelineRun');
    const active = owner && this.runs.get(keyOf(pod.metadata!.namespace!, owner.name));
    if (active && active.uid === owner!.uid) fn(active.runtime);
  }

  private async reconcile(key: string): Promise<void> {
    if (this.stopped) return;
    const [ns, name] = key.split('/');
    const run = this.runInformer.get(ns, name);
    let active = this.runs.get(key);
    if (active && (!run || active.uid !== run.metadata.uid)) {
      active.abort.abort();
      this.runs.delete(key);
      active = undefined;
    }
    if (!run) return void this.ended.delete(key);
    if (this.archiving.has(key)) return; // its `archived` patch brings it back here
    if (!active && isPending(run) && !run.metadata.deletionTimestamp) return this.groups.pending(run);
    if (!active && this.ended.get(key) === run.metadata.uid && !finishedStatus(run)) return;
    const deleting = !!run.metadata.deletionTimestamp;
    if (run.status?.archived) return this.archiver.afterArchive(run, deleting);
    if (active) {
      if (deleting || run.spec?.status === 'Cancelled') active.abort.abort();
      return;
    }
    if (finishedStatus(run)) return this.archiver.archive(run);
    if (!deleting && !run.metadata.finalizers?.includes(FINALIZER)) {
      await this.o.client.setPipelineRunFinalizers(
        ns,
        name,
        [...(run.metadata.finalizers ?? []), FINALIZER],
        run.metadata.resourceVersion,
      );
    }
    await this.execute(run, deleting || run.spec?.status === 'Cancelled');
  }

  /** Starts (or, after a restart, resumes) the engine driver of a run. */
  private async execute(run: PipelineRunResource, cancelNow: boolean): Promise<void> {
    const { namespace: ns, name, uid } = run.metadata as { namespace: string; name: string; uid: string };
    const c = this.o.collector;
    const forge =
      this.o.commitStatuses &&
      (await runForgeStatus(run, {
        source: this.o.commitStatuses,
        client: this.o.client,
        events: this.events,
        runUrl: c ? runPageUrl(c.uiUrl ?? c.url, collectorRunId(ns, name, uid)) : '',
        log: this.log,
      }));
    let input;
    try {
      input = await runInputOf(run, {
        ...this.o.pipelines,
        pipelineByName: async (p) => (await this.o.client.getPipeline(ns, p))?.spec,
      });
    } catch (err) {
      // An API failure is retried; anything else wrong with the run is reported on it.
      if (!(err instanceof KilnError) || err instanceof KubeApiError) throw err;
      return this.archiver.refuse(run, err, forge);
    }
    const owner = { name, uid };
    const runTimeout = input.timeoutMs ?? input.pipeline.timeoutMs;
    const runDeadline = runTimeout ? (startTimeOf(run) ?? this.clock.now()) + runTimeout : undefined;
    const buildOpts = {
      namespace: ns,
      agentImage: this.o.agentImage,
      owner,
      serviceAccountName: run.spec.serviceAccountName,
      podSecurity: this.o.podSecurity,
      runAsUser: this.o.runAsUser,
      nativeSidecars: this.nativeSidecars,
    };
    const runtime = new PodRuntime({
      client: this.o.client,
      namespace: ns,
      buildPod: (plan) =>
        buildPod(plan, {
          ...buildOpts,
          remainingRunMs: runDeadline === undefined ? undefined : runDeadline - this.clock.now(),
        }),
      buildSecret: (plan) => buildTokenSecret(plan, buildOpts),
      buildClaims: (plan) => buildClaims(plan, buildOpts),
      currentPod: (pod) => this.podInformer.get(ns, pod),
      now: () => this.clock.now(),
      onPodStarted: (ms) => this.metrics.taskRunPodLatency.observe(ms / 1000),
      warn: (m) => this.log(`${name}: ${m}`),
      ownerUid: uid,
      startFailureGraceMs: this.o.startFailureGraceMs,
    });
    const active: ActiveRun = { uid, runtime, abort: new AbortController(), archived: false };
    this.runs.set(keyOf(ns, name), active);
    if (cancelNow) active.abort.abort();
    const rc =
      this.o.collector &&
      runCollector(this.o.collector, { namespace: ns, name, uid }, { name: input.pipeline.name, params: input.params });
    const status = statusWriter(
      {
        client: this.o.client,
        clock: this.clock,
        delayMs: this.o.statusDelayMs ?? 250,
        retryMs: this.o.retryMs ?? 5000,
        stopped: () => this.stopped,
        log: this.log,
      },
      run,
      rc?.runId,
    );
    // A resumed run (a restarted controller) started before: said once.
    if (!run.status?.startTime && !cancelNow)
      this.events.emit(run, 'Normal', 'Started', `pipeline ${input.pipeline.name} started`);
    const tell = this.events.tracker(run);
    const remote = rc?.reporter;
    const live = () => !this.stopped;
    const own: RunReporter = {
      runStarted: async (r) => {
        if (live()) {
          status(r);
          await remote?.runStarted(r);
        }
      },
      runUpdated: async (r) => {
        if (live()) {
          tell(r);
          status(r);
          await remote?.runUpdated(r);
        }
      },
      runFinished: async (r) => {
        if (!live()) return;
        tell(r);
        await status(r, true);
        await rc?.archive(r);
        active.archived = true;
      },
    };
    const reporter = forge ? forge.wrap(own) : own;
    this.metrics.runningPipelineRuns.inc();
    const done = runPipeline({
      input: {
        runName: name,
        ...input,
        collector: rc?.input,
        runUrl: rc?.runUrl,
      },
      runtime,
      reporter,
      clock: engineClock(this.clock, this.engineTimers),
      signal: active.abort.signal,
      onWarning: (m) => this.log(`${name}: ${m}`),
      // A restarted controller resumes the run: its timeout still counts from the first start.
      startedAt: startTimeOf(run),
      fetchResult: rc?.fetchResult,
      approvals: rc?.approvals,
      runChild: this.children.runnerFor(run, input),
    });
    void done.then((record) => this.finished(run, active, record));
  }

  private async finished(run: PipelineRunResource, active: ActiveRun, record: RunRecord): Promise<void> {
    this.metrics.runningPipelineRuns.dec();
    const seconds = (Date.parse(record.finishedAt ?? record.startedAt) - Date.parse(record.startedAt)) / 1000;
    const labels = { pipeline: this.metrics.pipelines.label(record.name), status: record.status };
    this.metrics.runs.runs.inc(labels);
    this.metrics.runs.runSeconds.observe(labels, Math.max(0, seconds));
    const key = keyOf(run.metadata.namespace!, run.metadata.name!);
    if (this.runs.get(key) !== active || this.stopped) return;
    this.ended.set(key, active.uid);
    this.runs.delete(key);
    // Not archived (collector down): the next reconcile archives from the status it wrote.
    if (!active.archived) return this.retryLater(key, new Error('the run record did not reach the collector'));
    this.archiving.add(key);
    try {
      await this.archiver.markArchived(run);
      // What came in meanwhile was passed over: the run is looked at once more, archived now.
      if (!this.stopped) this.queue.add(key);
    } catch (err) {
      this.retryLater(key, err);
    } finally {
      this.archiving.delete(key);
    }
  }

  private retryLater(key: string, err: unknown): void {
    this.metrics.reconcileErrors.inc();
    this.log(`${key}: ${message(err)} (retrying)`);
    this.later(key, this.o.retryMs ?? 5000);
  }

  private later(key: string, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.queue.add(key);
    }, ms);
    this.timers.add(t);
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

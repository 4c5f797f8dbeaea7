// The Kubernetes Runtime of one pipeline run: start() creates the task run's Pod (a 409 means it
// exists already — a restarted controller — and is a no-op), Pod changes seen by the controller's
// informer come in through podChanged()/podGone() and go out to the engine as observations.
// Each task run's terminal state is reported once; a Pod that vanishes or is evicted under a
// running task fails it with a clear reason, and so does a container that cannot start (image or
// config errors) past a grace period. A Pod of the same name owned by another PipelineRun (a run
// deleted and re-created under its name, its Pod still terminating) is never adopted: the create
// is retried until that Pod is gone.
import type { V1PersistentVolumeClaim, V1Pod, V1Secret } from '@kubernetes/client-node';
import {
  type CancelReason,
  isTerminal,
  type ObservedTaskRun,
  type Runtime,
  type TaskRunPlan,
} from '../../engine/index.js';
import type { KubeClient } from './client.js';
import { ANNOTATIONS, READY_VALUE } from './labels.js';
import { podName } from './names.js';
import { observePod, observeVanishedPod, startFailureOf, taskRunOfPod } from './pod-status.js';

export interface PodRuntimeDeps {
  client: KubeClient;
  namespace: string;
  buildPod(plan: TaskRunPlan): V1Pod;
  buildSecret(plan: TaskRunPlan): V1Secret | undefined;
  buildClaims(plan: TaskRunPlan): V1PersistentVolumeClaim[];
  /** The informer's current copy of a Pod, if it has one. */
  currentPod(name: string): V1Pod | undefined;
  now(): number;
  /** A Pod was seen running for the first time: how long after start() (for the latency metric). */
  onPodStarted?(latencyMs: number): void;
  warn?(message: string): void;
  /** The PipelineRun's UID: only Pods it owns are adopted. */
  ownerUid: string;
  /** How long a container may wait on an image or config error before its task fails (default 60 s). */
  startFailureGraceMs?: number;
  /** How long to wait before re-creating a Pod whose name another run's Pod still holds (default 1 s). */
  foreignRetryMs?: number;
}

interface Tracked {
  plan: TaskRunPlan;
  requestedAt: number;
  last?: ObservedTaskRun;
  lastJson?: string;
  terminal: boolean;
  cancelled?: CancelReason;
  readySent: boolean;
  startedSeen: boolean;
  /** When a start failure was first seen, and the timer that re-checks it after the grace. */
  stuckSince?: number;
  stuckTimer?: NodeJS.Timeout;
}

export class PodRuntime implements Runtime {
  readonly kind = 'kubernetes' as const;
  private readonly tracked = new Map<string, Tracked>();
  private listener: (u: ObservedTaskRun) => void = () => {};
  private secretDone = false;
  private readonly claimsDone = new Set<string>();
  private detached = false;

  constructor(private readonly deps: PodRuntimeDeps) {}

  onUpdate(listener: (update: ObservedTaskRun) => void): void {
    this.listener = listener;
  }

  /**
   * Stops acting on the cluster without cancelling anything (the controller is shutting down):
   * Pods keep running and the next controller adopts them.
   */
  detach(): void {
    this.detached = true;
    for (const t of this.tracked.values()) clearTimeout(t.stuckTimer);
  }

  async start(plan: TaskRunPlan): Promise<void> {
    const name = podName(plan.name);
    if (this.detached || this.tracked.has(name)) return;
    const pod = this.deps.buildPod(plan);
    this.tracked.set(name, {
      plan,
      requestedAt: this.deps.now(),
      terminal: false,
      readySent: false,
      startedSeen: false,
    });
    await this.ensureSecret(plan);
    await this.ensureClaims(plan);
    while ((await this.deps.client.createPod(pod)) === 'exists' && !this.detached) {
      const there = this.deps.currentPod(name);
      const owner = there?.metadata?.ownerReferences?.find((r) => r.kind === 'PipelineRun')?.uid;
      if (there && owner === this.deps.ownerUid) break;
      if (there) this.deps.warn?.(`Pod ${name} belongs to an older run of this name; waiting for it to go`);
      await new Promise((r) => setTimeout(r, this.deps.foreignRetryMs ?? 1000));
    }
    const seen = this.deps.currentPod(name);
    if (seen) this.podChanged(seen);
  }

  async cancel(taskRunName: string, reason: CancelReason): Promise<void> {
    const t = this.tracked.get(podName(taskRunName));
    if (!t || t.terminal || this.detached) return;
    t.cancelled = reason;
    await this.deps.client.deletePod(this.deps.namespace, podName(taskRunName));
    this.emit(t, {
      name: t.plan.name,
      status: reason,
      reason,
      message: reason === 'Cancelled' ? 'the run was cancelled' : 'the task timed out',
      results: t.last?.results ?? {},
      steps: (t.last?.steps ?? []).map((s) =>
        s.status === 'Running' || s.status === 'Pending' ? { ...s, status: reason } : s,
      ),
      startedAt: t.last?.startedAt,
      finishedAt: this.deps.now(),
    });
  }

  /** Pods stay until the run is archived; the controller deletes them then (deletePods). */
  async cleanup(): Promise<void> {}

  /** Names of the Pods this run created or adopted. */
  podNames(): string[] {
    return [...this.tracked.keys()];
  }

  podChanged(pod: V1Pod): void {
    const t = this.trackedFor(pod);
    if (!t || t.terminal) return;
    const obs = observePod(
      pod,
      t.plan.name,
      t.plan.steps.map((s) => s.name),
    );
    if (obs.status === 'Running' && !t.startedSeen) {
      t.startedSeen = true;
      this.deps.onPodStarted?.(this.deps.now() - t.requestedAt);
    }
    if (!isTerminal(obs.status)) {
      this.sendReady(pod, t);
      if (this.failedToStart(pod, t, obs)) return;
    }
    this.emit(t, obs);
  }

  /** Fails the task of a container stuck on an image or config error past the grace; true when it did. */
  private failedToStart(pod: V1Pod, t: Tracked, obs: ObservedTaskRun): boolean {
    const stuck = startFailureOf(pod);
    if (!stuck) {
      t.stuckSince = undefined;
      clearTimeout(t.stuckTimer);
      return false;
    }
    const now = this.deps.now();
    t.stuckSince ??= now;
    const grace = stuck.permanent ? 0 : (this.deps.startFailureGraceMs ?? 60_000);
    if (now - t.stuckSince < grace) {
      clearTimeout(t.stuckTimer);
      // Nothing may change on the Pod meanwhile: look again when the grace is over.
      t.stuckTimer = setTimeout(
        () => {
          const current = this.deps.currentPod(pod.metadata!.name!);
          if (current) this.podChanged(current);
        },
        t.stuckSince + grace - now,
      );
      return false;
    }
    // The record keeps the reason only: the log says which container and why.
    this.deps.warn?.(`${pod.metadata!.name}: ${stuck.message}`);
    this.emit(t, {
      ...obs,
      status: 'Failed',
      reason: stuck.reason,
      message: stuck.message,
      // A step may be running while it waits for the go-ahead (a test node starts every container).
      steps: obs.steps.map((s) =>
        s.status === 'Pending' || s.status === 'Running' ? { ...s, status: 'Failed', reason: stuck.reason } : s,
      ),
      finishedAt: now,
    });
    void this.deps.client.deletePod(this.deps.namespace, pod.metadata!.name!).catch((err: Error) => {
      this.deps.warn?.(`deleting ${pod.metadata!.name} after ${stuck.reason}: ${err.message}`);
    });
    return true;
  }

  podGone(pod: V1Pod): void {
    const t = this.trackedFor(pod);
    if (!t || t.terminal) return;
    this.emit(t, observeVanishedPod(t.last, t.plan.name, this.deps.now()));
  }

  private trackedFor(pod: V1Pod): Tracked | undefined {
    const name = pod.metadata?.name;
    const t = name && !this.detached ? this.tracked.get(name) : undefined;
    return t && taskRunOfPod(pod) !== undefined ? t : undefined;
  }

  /** The go-ahead: the first step waits until the ready annotation is projected into its file. */
  private sendReady(pod: V1Pod, t: Tracked): void {
    if (t.readySent || pod.metadata?.annotations?.[ANNOTATIONS.ready]) return;
    t.readySent = true;
    this.deps.client
      .patchPodAnnotations(this.deps.namespace, pod.metadata!.name!, { [ANNOTATIONS.ready]: READY_VALUE })
      .catch((err) => {
        t.readySent = false;
        this.deps.warn?.(
          `ready annotation on ${pod.metadata!.name}: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
  }

  private async ensureSecret(plan: TaskRunPlan): Promise<void> {
    if (this.secretDone) return;
    const secret = this.deps.buildSecret(plan);
    if (secret) await this.deps.client.createSecret(secret);
    this.secretDone = true;
  }

  /** PVCs from volumeClaimTemplate bindings: made once per run, shared by its tasks. */
  private async ensureClaims(plan: TaskRunPlan): Promise<void> {
    for (const claim of this.deps.buildClaims(plan)) {
      const name = claim.metadata!.name!;
      if (this.claimsDone.has(name)) continue;
      await this.deps.client.createClaim(claim);
      this.claimsDone.add(name);
    }
  }

  private emit(t: Tracked, obs: ObservedTaskRun): void {
    const json = JSON.stringify(obs);
    if (json === t.lastJson) return;
    t.last = obs;
    t.lastJson = json;
    t.terminal = isTerminal(obs.status);
    if (t.terminal) clearTimeout(t.stuckTimer);
    this.listener(obs);
  }
}

// What a Pod tells about its task run (pure): phase → task run status, each step container's
// termination message (Tekton's JSON entries) → results, exit code, reason, start time and the
// step's cache record.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { readTermination, terminationReason, type StoredResultRef } from '../../contract/index.js';
import type { StepStatus, TaskRunStatus } from '../../syntax/index.js';
import { failedStepMessage, type ObservedStep, type ObservedTaskRun } from '../../engine/index.js';
import { LABELS } from './labels.js';
import { containerName } from './names.js';

/** Why a task run failed when its Pod went away or was killed from outside. */
export const POD_REASONS = {
  deleted: 'PodDeleted',
  evicted: 'PodEvicted',
  deadline: 'PodDeadlineExceeded',
} as const;

/**
 * Waiting reasons a kubelet reports when a container cannot start. They retry for ever on the node;
 * the task fails with that reason once they last past a grace period (InvalidImageName at once: it
 * never recovers).
 */
const START_FAILURES = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export interface StartFailure {
  container: string;
  reason: string;
  message: string;
  permanent: boolean;
}

/** Why a task fails when one of its sidecars never became ready (the steps never start on a kubelet). */
export const SIDECAR_NOT_READY = 'SidecarNotReady';

/**
 * The first container (init ones first) stuck for a reason it will not get out of by itself, if any.
 * A native sidecar that exits or fails its startup probe before the steps start is restarted by the
 * kubelet with a back-off for ever (CrashLoopBackOff) while the steps wait: that is stuck too.
 */
export function startFailureOf(pod: V1Pod): StartFailure | undefined {
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  const initialized = pod.status?.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True');
  for (const cs of pod.status?.initContainerStatuses ?? []) {
    const w = cs.state?.waiting;
    if (!initialized && sidecars.has(cs.name) && w?.reason === 'CrashLoopBackOff')
      return {
        container: cs.name,
        reason: SIDECAR_NOT_READY,
        message: `sidecar container ${cs.name} never became ready: it exited or its readinessProbe failed (${w.reason}${w.message ? `: ${w.message}` : ''}); its output: kubectl logs ${pod.metadata?.name ?? 'POD'} -c ${cs.name}`,
        permanent: false,
      };
  }
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const w = cs.state?.waiting;
    if (w?.reason && START_FAILURES.has(w.reason))
      return {
        container: cs.name,
        reason: w.reason,
        message: `container ${cs.name}: ${w.reason}${w.message ? `: ${w.message}` : ''}`,
        permanent: w.reason === 'InvalidImageName',
      };
  }
  return undefined;
}

export function taskRunOfPod(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[LABELS.taskRun];
}

export function observePod(pod: V1Pod, taskRun: string, stepNames: string[]): ObservedTaskRun {
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const results: Record<string, string> = {};
  const stored: StoredResultRef[] = [];
  const steps = stepNames.map((name) => observeStep(name, statuses.get(containerName(name)), results, stored));
  const phase = pod.status?.phase;
  const started = steps.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
  const base = {
    name: taskRun,
    results,
    ...(stored.length && { stored }),
    steps,
    startedAt: started.length ? Math.min(...started) : time(pod.status?.startTime),
  };
  const finishedAt = () => Math.max(...steps.map((s) => s.finishedAt ?? 0)) || undefined;
  if (phase === 'Succeeded') return { ...base, status: 'Succeeded', finishedAt: finishedAt() };
  if (phase === 'Failed') {
    const podReason = pod.status?.reason;
    if (podReason === 'Evicted')
      return {
        ...base,
        status: 'Failed',
        reason: POD_REASONS.evicted,
        message: pod.status?.message ?? 'the Pod was evicted',
        finishedAt: finishedAt(),
      };
    if (podReason === 'DeadlineExceeded')
      return {
        ...base,
        status: 'TimedOut',
        reason: POD_REASONS.deadline,
        message: pod.status?.message,
        finishedAt: finishedAt(),
      };
    const failed = steps.find((s) => s.status === 'Failed' || s.status === 'TimedOut');
    return {
      ...base,
      status: 'Failed',
      reason: failed?.reason ?? podReason ?? 'StepFailed',
      message: failed ? failedStepMessage(failed) : pod.status?.message,
      finishedAt: finishedAt(),
    };
  }
  const status: TaskRunStatus = phase === 'Running' ? 'Running' : 'Pending';
  return { ...base, status };
}

/** The task run of a Pod that vanished before it finished. */
export function observeVanishedPod(last: ObservedTaskRun | undefined, taskRun: string, now: number): ObservedTaskRun {
  return {
    name: taskRun,
    status: 'Failed',
    reason: POD_REASONS.deleted,
    message: 'the Pod was deleted before the task run finished',
    results: last?.results ?? {},
    steps: last?.steps ?? [],
    startedAt: last?.startedAt,
    finishedAt: now,
  };
}

function observeStep(
  name: string,
  cs: V1ContainerStatus | undefined,
  results: Record<string, string>,
  stored: StoredResultRef[],
): ObservedStep {
  if (cs?.state?.running)
    return { name, status: 'Running', exitCode: null, startedAt: time(cs.state.running.startedAt) };
  const t = cs?.state?.terminated;
  if (!t) return { name, status: 'Pending', exitCode: null };
  // A message the agent did not write (or none: the container never reached the agent) leaves
  // the kubelet's facts. The cache record rides in it: from a pod, nothing else gets out.
  const m = readTermination(t.message);
  Object.assign(results, m?.results);
  stored.push(...(m?.stored ?? []));
  const exitCode = m?.exitCode ?? t.exitCode;
  const status = stepStatus(exitCode, m?.reason);
  return {
    name,
    status,
    // A skipped step ran no command (after a failure, or its `when` did not hold): no exit code,
    // as the host and podman engines report it.
    exitCode: status === 'Skipped' ? null : exitCode,
    reason: (m && terminationReason(m)) ?? (exitCode !== 0 ? t.reason : undefined),
    startedAt: m?.startedAt ?? time(t.startedAt),
    finishedAt: time(t.finishedAt),
    ...(m?.cache && { cache: m.cache }),
  };
}

function stepStatus(exitCode: number, reason: string | undefined): StepStatus {
  if (reason === 'Skipped') return 'Skipped';
  if (reason === 'TimeoutExceeded') return 'TimedOut';
  return exitCode === 0 ? 'Succeeded' : 'Failed';
}

function time(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

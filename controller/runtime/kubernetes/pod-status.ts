// What a Pod tells about its task run (pure): phase → task run status, each step container's
// termination message (Tekton's JSON entries) → results, exit code, reason, start time and the
// step's cache record.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { parseCacheReport } from '../../../agent/cache/report.js';
import { CACHE_TERMINATION_KEY, RESULT_TYPE, type TerminationEntry } from '../../../agent/protocol.js';
import type { StepStatus, TaskRunStatus } from '../../spec/model.js';
import type { ObservedStep, ObservedTaskRun } from '../types.js';
import { LABELS } from './labels.js';
import { containerName } from './names.js';

/** Why a task run failed when its Pod went away or was killed from outside. */
export const POD_REASONS = {
  deleted: 'PodDeleted',
  evicted: 'PodEvicted',
  deadline: 'PodDeadlineExceeded',
} as const;

const TERMINATION_LIMIT = 16 * 1024;

export function taskRunOfPod(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[LABELS.taskRun];
}

export function observePod(pod: V1Pod, taskRun: string, stepNames: string[]): ObservedTaskRun {
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const results: Record<string, string> = {};
  const steps = stepNames.map((name) => observeStep(name, statuses.get(containerName(name)), results));
  const phase = pod.status?.phase;
  const started = steps.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
  const base = {
    name: taskRun,
    results,
    steps,
    startedAt: started.length ? Math.min(...started) : time(pod.status?.startTime),
  };
  const finishedAt = () => Math.max(...steps.map((s) => s.finishedAt ?? 0)) || undefined;
  if (phase === 'Succeeded') return { ...base, status: 'Succeeded', finishedAt: finishedAt() };
  if (phase === 'Failed') {
    const podReason = pod.status?.reason;
    if (podReason === 'Evicted') return { ...base, status: 'Failed', reason: POD_REASONS.evicted, message: pod.status?.message ?? 'the Pod was evicted', finishedAt: finishedAt() };
    if (podReason === 'DeadlineExceeded') return { ...base, status: 'TimedOut', reason: POD_REASONS.deadline, message: pod.status?.message, finishedAt: finishedAt() };
    const failed = steps.find((s) => s.status === 'Failed' || s.status === 'TimedOut');
    return { ...base, status: 'Failed', reason: failed?.reason ?? podReason ?? 'StepFailed', message: failed ? `step "${failed.name}" exited with ${failed.exitCode}` : pod.status?.message, finishedAt: finishedAt() };
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

function observeStep(name: string, cs: V1ContainerStatus | undefined, results: Record<string, string>): ObservedStep {
  if (cs?.state?.running) return { name, status: 'Running', exitCode: null, startedAt: time(cs.state.running.startedAt) };
  const t = cs?.state?.terminated;
  if (!t) return { name, status: 'Pending', exitCode: null };
  const entries = parseTermination(t.message);
  const internal = new Map(entries.filter((e) => e.type === RESULT_TYPE.InternalTektonResult).map((e) => [e.key, e.value]));
  for (const e of entries) if (e.type === RESULT_TYPE.TaskRunResult) results[e.key] = e.value;
  const exitCode = internal.has('ExitCode') ? Number(internal.get('ExitCode')) : t.exitCode;
  const reason = internal.get('Reason');
  // The agent's cache record: the kubelet's copy of the termination message is the only way out of the pod.
  const cache = internal.has(CACHE_TERMINATION_KEY) ? parseCacheReport(internal.get(CACHE_TERMINATION_KEY)!) : undefined;
  return {
    name,
    status: stepStatus(exitCode, reason),
    exitCode,
    reason: reason ?? (exitCode !== 0 ? t.reason : undefined),
    startedAt: time(internal.get('StartedAt')) ?? time(t.startedAt),
    finishedAt: time(t.finishedAt),
    ...(cache && { cache }),
  };
}

function stepStatus(exitCode: number, reason: string | undefined): StepStatus {
  if (reason === 'Skipped') return 'Skipped';
  if (reason === 'TimeoutExceeded') return 'TimedOut';
  return exitCode === 0 ? 'Succeeded' : 'Failed';
}

/** Parses a termination message; anything that is not Tekton's entry list counts as no entries. */
export function parseTermination(message: string | undefined): TerminationEntry[] {
  if (!message || message.length > TERMINATION_LIMIT) return [];
  try {
    const v: unknown = JSON.parse(message);
    if (!Array.isArray(v)) return [];
    return v.filter((e): e is TerminationEntry =>
      typeof e === 'object' && e !== null && typeof e.key === 'string' && typeof e.value === 'string' && typeof e.type === 'number');
  } catch {
    return [];
  }
}

function time(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

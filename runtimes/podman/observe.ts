// What podman tells of a played Pod, as the Kubernetes runtime would read it from the API: each
// container's state from `podman inspect` and its termination message from the file the step wrote
// in its termination directory become a V1Pod status, read by the same observePod.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { observePod } from '../kubernetes/index.js';
import type { CancelReason, ObservedTaskRun } from '../../engine/index.js';

/** The part of `podman inspect`'s output the engine reads. */
export interface InspectedContainer {
  Name: string;
  State: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string; Error?: string };
}

const ZERO_TIME = /^0001-01-01/;

function containerStatus(
  name: string,
  c: InspectedContainer | undefined,
  message: string | undefined,
): V1ContainerStatus {
  const base = { name, image: '', imageID: '', ready: false, restartCount: 0 };
  if (!c || ZERO_TIME.test(c.State.StartedAt)) return { ...base, state: { waiting: { reason: 'ContainerCreating' } } };
  if (c.State.Status === 'running') return { ...base, state: { running: { startedAt: new Date(c.State.StartedAt) } } };
  return {
    ...base,
    state: {
      terminated: {
        exitCode: c.State.ExitCode,
        reason: c.State.ExitCode === 0 ? 'Completed' : c.State.Error || 'Error',
        startedAt: new Date(c.State.StartedAt),
        finishedAt: ZERO_TIME.test(c.State.FinishedAt) ? undefined : new Date(c.State.FinishedAt),
        message,
      },
    },
  };
}

export interface PodFacts {
  /** The containers by their name in the Pod (not podman's `<pod>-<container>`). */
  containers: Map<string, InspectedContainer>;
  /** Each step container's termination file, by container name. */
  messages: Map<string, string>;
  /** Every step container has exited. */
  ended: boolean;
  cancel?: CancelReason;
}

/** The task run as observePod reads the Pod; a cancelled run ends with the cancel's status, as on the host engine. */
export function observePlayedPod(pod: V1Pod, taskRun: string, stepNames: string[], f: PodFacts): ObservedTaskRun {
  const statuses = pod.spec!.containers.map((c) =>
    containerStatus(c.name, f.containers.get(c.name), f.messages.get(c.name)),
  );
  const steps = statuses.slice(0, stepNames.length);
  const failed = steps.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const phase = f.ended ? (failed ? 'Failed' : 'Succeeded') : 'Running';
  const observed = observePod({ ...pod, status: { phase, containerStatuses: statuses } }, taskRun, stepNames);
  if (!f.cancel) return observed;
  return {
    ...observed,
    status: f.cancel,
    reason: f.cancel,
    message: undefined,
    // A step the stop cut short or that never ran ends as the run did; what finished stays.
    steps: observed.steps.map((s) =>
      s.status === 'Succeeded' ? s : { ...s, status: f.cancel!, exitCode: s.exitCode, reason: f.cancel },
    ),
  };
}

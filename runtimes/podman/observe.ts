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
        // No kubelet names the end here: the agent's message does, or why there is none.
        reason:
          message === undefined && c.State.ExitCode !== 0
            ? c.State.Error ||
              `AgentFailed: the container ended with exit code ${c.State.ExitCode} and no termination message`
            : undefined,
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
  const read = observePod({ ...pod, status: { phase, containerStatuses: statuses } }, taskRun, stepNames);
  // A skipped step ran no command: no exit code, as on the host engine.
  const observed = {
    ...read,
    steps: read.steps.map((s) => (s.status === 'Skipped' ? { ...s, exitCode: null } : s)),
  };
  if (!f.cancel) return observed;
  const cancel = f.cancel;
  return {
    ...observed,
    status: cancel,
    reason: cancel,
    message: undefined,
    // A step the stop cut short ends as the run did, keeping its exit code; one that never ran
    // has none and says why.
    steps: observed.steps.map((s) => {
      if (s.status === 'Succeeded') return s;
      if (s.exitCode === null) return { ...s, status: cancel, reason: cancel };
      return { ...s, status: cancel };
    }),
  };
}

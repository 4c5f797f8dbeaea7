// What a kubelet writes into a Pod's status, as pure functions the test node applies to what its
// player saw: each container's state, the termination message rule (the last 4096 bytes of the
// file, then every message cut to 12 KiB divided by the number of containers, init containers
// included: pkg/kubelet/status normalizeStatus), and the phase from the containers' states.
import type { V1Container, V1ContainerState, V1ContainerStatus, V1Pod, V1PodStatus } from '@kubernetes/client-node';

export const MAX_CONTAINER_MESSAGE = 4096;
export const MAX_POD_MESSAGES = 12 * 1024;

/** A container as the player saw it; `message` is the termination file's whole content. */
export type ContainerFact =
  | { state: 'waiting'; reason: string; message?: string }
  // started: false while a startupProbe has not passed (a kubelet's `started`).
  | { state: 'running'; startedAt: string; started?: boolean }
  | { state: 'terminated'; exitCode: number; startedAt: string; finishedAt: string; message?: string; reason?: string };

export interface PodFacts {
  containers: Map<string, ContainerFact>;
  /** How often the node restarted each native sidecar (restartPolicy: Always) while the steps ran. */
  restarts?: ReadonlyMap<string, number>;
  /** The Pod's own end when the node ended it (activeDeadlineSeconds), else derived from containers. */
  podFailure?: { reason: string; message: string };
  startTime?: string;
}

/** The per-container share of the Pod's 12 KiB: what any one message is cut to. */
export function messageBudget(pod: V1Pod): number {
  const n =
    (pod.spec?.containers.length ?? 0) +
    (pod.spec?.initContainers?.length ?? 0) +
    (pod.spec?.ephemeralContainers?.length ?? 0);
  return Math.min(MAX_CONTAINER_MESSAGE, n > 0 ? Math.floor(MAX_POD_MESSAGES / n) : MAX_POD_MESSAGES);
}

/** The kubelet reads at most the file's last 4096 bytes, then the status cuts it to the Pod's share. */
export function terminationMessage(file: string, pod: V1Pod): string {
  const bytes = Buffer.from(file, 'utf8');
  const tail = bytes.subarray(Math.max(0, bytes.length - MAX_CONTAINER_MESSAGE));
  return tail.subarray(0, messageBudget(pod)).toString('utf8');
}

export const isSidecar = (c: V1Container) => c.restartPolicy === 'Always';

function stateOf(fact: ContainerFact | undefined, pod: V1Pod, initializing: boolean): V1ContainerState {
  if (!fact) return { waiting: { reason: initializing ? 'PodInitializing' : 'ContainerCreating' } };
  switch (fact.state) {
    case 'waiting':
      return { waiting: { reason: fact.reason, message: fact.message } };
    case 'running':
      return { running: { startedAt: new Date(fact.startedAt) } };
    case 'terminated':
      return {
        terminated: {
          exitCode: fact.exitCode,
          reason: fact.reason ?? (fact.exitCode === 0 ? 'Completed' : 'Error'),
          startedAt: new Date(fact.startedAt),
          finishedAt: new Date(fact.finishedAt),
          ...(fact.message !== undefined && { message: terminationMessage(fact.message, pod) }),
        },
      };
  }
}

function containerStatus(
  c: V1Container,
  fact: ContainerFact | undefined,
  pod: V1Pod,
  init: boolean,
  restartCount = 0,
): V1ContainerStatus {
  const state = stateOf(fact, pod, init);
  const started = !!state.running && !(fact?.state === 'running' && fact.started === false);
  return {
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: started,
    started,
    restartCount,
    state,
  };
}

/** The status a kubelet would write for these facts (restartPolicy Never: only native sidecars restart). */
export function podStatus(pod: V1Pod, facts: PodFacts): V1PodStatus {
  const inits = pod.spec?.initContainers ?? [];
  const regular = pod.spec?.containers ?? [];
  const initDone = inits.every((c) => {
    const f = facts.containers.get(c.name);
    return isSidecar(c)
      ? (f?.state === 'running' && f.started !== false) || f?.state === 'terminated'
      : f?.state === 'terminated';
  });
  const states = regular.map((c) => facts.containers.get(c.name));
  const failedInit = inits.some((c) => {
    const f = facts.containers.get(c.name);
    return !isSidecar(c) && f?.state === 'terminated' && f.exitCode !== 0;
  });
  // A kubelet (1.27+) writes a terminal phase only once every container has stopped, native
  // sidecars included: they are stopped after the regular containers end.
  const sidecarRunning = inits.some((c) => isSidecar(c) && facts.containers.get(c.name)?.state === 'running');
  let phase: string;
  if (facts.podFailure || failedInit) phase = 'Failed';
  else if (states.every((f) => f?.state === 'terminated') && sidecarRunning) phase = 'Running';
  else if (states.every((f) => f?.state === 'terminated'))
    phase = states.every((f) => f?.state === 'terminated' && f.exitCode === 0) ? 'Succeeded' : 'Failed';
  else if (states.some((f) => f?.state === 'running' || f?.state === 'terminated')) phase = 'Running';
  else phase = 'Pending';
  const now = new Date();
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: now });
  return {
    phase,
    ...(facts.podFailure && { reason: facts.podFailure.reason, message: facts.podFailure.message }),
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    startTime: facts.startTime ? new Date(facts.startTime) : undefined,
    conditions: [
      cond('PodScheduled', true),
      cond('Initialized', initDone),
      cond('ContainersReady', phase === 'Running' && states.every((f) => f?.state === 'running')),
      cond('Ready', phase === 'Running' && states.every((f) => f?.state === 'running')),
    ],
    initContainerStatuses: inits.map((c) =>
      containerStatus(c, facts.containers.get(c.name), pod, false, facts.restarts?.get(c.name)),
    ),
    containerStatuses: regular.map((c) => containerStatus(c, facts.containers.get(c.name), pod, !initDone)),
  };
}

/** Image references a kubelet refuses before pulling (InvalidImageName): a loose docker reference check. */
export function validImageName(image: string | undefined): boolean {
  return (
    !!image &&
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(
      image,
    )
  );
}

// The test plays kubelet: it moves Pods through their phases and writes each step container's
// termination message as the agent would (Tekton's JSON entries).
import { RESULT_TYPE, STORED_RESULT_KEY_PREFIX } from '../../contract/index.js';
import type { FakeApiServer, KubeObject } from '../../testkit/fake-apiserver.js';

interface StepOutcome {
  exitCode: number;
  results?: Record<string, string>;
  /** Results the agent stored at the collector: the message holds only their references. */
  stored?: { name: string; size: number; sha256: string }[];
  reason?: 'Skipped' | 'TimeoutExceeded';
}

const containersOf = (pod: KubeObject) =>
  (pod.spec as { containers: { name: string }[] }).containers.map((c) => c.name);

export function runPod(server: FakeApiServer, ns: string, name: string): void {
  const pod = server.get('pods', ns, name)!;
  const startedAt = new Date().toISOString();
  server.setStatus('pods', ns, name, {
    phase: 'Running',
    startTime: startedAt,
    containerStatuses: containersOf(pod).map((c, i) => ({
      name: c,
      ready: i === 0,
      restartCount: 0,
      image: 'x',
      imageID: 'x',
      state: i === 0 ? { running: { startedAt } } : { waiting: { reason: 'PodInitializing' } },
    })),
  });
}

export function finishPod(server: FakeApiServer, ns: string, name: string, steps: StepOutcome[]): void {
  const pod = server.get('pods', ns, name)!;
  const at = new Date().toISOString();
  const names = containersOf(pod);
  if (names.length !== steps.length)
    throw new Error(`pod ${name} has ${names.length} steps, ${steps.length} outcomes given`);
  server.setStatus('pods', ns, name, {
    phase: steps.every((s) => s.exitCode === 0) ? 'Succeeded' : 'Failed',
    startTime: at,
    containerStatuses: names.map((c, i) => {
      const s = steps[i];
      const entries = [
        { key: 'StartedAt', value: at, type: RESULT_TYPE.InternalTektonResult },
        { key: 'ExitCode', value: String(s.exitCode), type: RESULT_TYPE.InternalTektonResult },
        ...(s.reason ? [{ key: 'Reason', value: s.reason, type: RESULT_TYPE.InternalTektonResult }] : []),
        ...(s.stored ?? []).map((r) => ({
          key: STORED_RESULT_KEY_PREFIX + r.name,
          value: JSON.stringify({ size: r.size, sha256: r.sha256 }),
          type: RESULT_TYPE.InternalTektonResult,
        })),
        ...Object.entries(s.results ?? {}).map(([key, value]) => ({ key, value, type: RESULT_TYPE.TaskRunResult })),
      ];
      return {
        name: c,
        ready: false,
        restartCount: 0,
        image: 'x',
        imageID: 'x',
        state: {
          terminated: { exitCode: s.exitCode, startedAt: at, finishedAt: at, message: JSON.stringify(entries) },
        },
      };
    }),
  });
}

export function evictPod(server: FakeApiServer, ns: string, name: string): void {
  server.setStatus('pods', ns, name, {
    phase: 'Failed',
    reason: 'Evicted',
    message: 'The node was low on resource: memory.',
  });
}

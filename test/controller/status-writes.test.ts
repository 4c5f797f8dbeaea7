// The controller's coalesced status writes: a change arriving while a write is in flight is
// written by that flush, and the timer it set, firing with nothing left to write, must not stop
// later writes (it did: the run's status stayed Running after the run had ended).
import { afterEach, it } from 'vitest';
import { systemClock, type Clock } from '../../engine/index.js';
import { createKubeClient, type KubeClient } from '../../runtimes/kubernetes/index.js';
import { NS, pipelineRun, startHarness, type Harness } from '../../testkit/k8s-harness.js';
import { loopbackKubeConfig, until } from '../../testkit/kubeconfig.js';
import { finishPod, runPod } from './kubelet.js';

let h: Harness;
const DELAY_MS = 300;
afterEach(() => h?.close());

const step = { image: 'busybox', steps: [{ run: 'true' }] };
const taskRuns = () =>
  (h.server.get('pipelineruns', NS, 'w')?.status as { taskRuns?: { status: string }[] } | undefined)?.taskRuns;
const reason = () =>
  (h.server.get('pipelineruns', NS, 'w')?.status as { conditions?: { reason: string }[] } | undefined)?.conditions?.[0]
    ?.reason;

function finish(pod: string) {
  runPod(h.server, NS, pod);
  finishPod(h.server, NS, pod, [{ exitCode: 0 }]);
}

it('keeps writing the status after a flush timer finds nothing left to write', async () => {
  h = await startHarness({ collector: false });
  const real = createKubeClient(loopbackKubeConfig(h.server.url, NS));
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let armed = false;
  let holding = false;
  const client: KubeClient = {
    ...real,
    async writePipelineRunStatus(ns, name, status) {
      if (armed && !holding) {
        holding = true;
        await held;
      }
      return real.writePipelineRunStatus(ns, name, status);
    },
  };
  // The controller's clock, keeping count of the status timers (those set DELAY_MS ahead) pending.
  let statusTimers = 0;
  const clock: Clock = {
    now: systemClock.now,
    setTimer(at, fn) {
      const status = at - systemClock.now() <= DELAY_MS;
      let pending = status;
      if (status) statusTimers++;
      const settle = () => {
        if (pending) statusTimers--;
        pending = false;
      };
      const cancel = systemClock.setTimer(at, () => {
        settle();
        fn();
      });
      return () => {
        settle();
        cancel();
      };
    },
  };
  await h.controller({ client, statusDelayMs: DELAY_MS, clock });
  await h.client.createPipelineRun(
    NS,
    pipelineRun('w', { tasks: { a: step, b: { ...step, needs: ['a'] }, c: { ...step, needs: ['b'] } } }),
  );
  await until('pod a', () => h.server.get('pods', NS, 'w-a'));
  armed = true;
  finish('w-a');
  await until('a write in flight', () => holding);
  // A change while that write is held: its timer is set; the flush, once released, writes it.
  await until('pod b', () => h.server.get('pods', NS, 'w-b'));
  finish('w-b');
  await until('pod c', () => h.server.get('pods', NS, 'w-c'));
  release();
  await until('b written as Succeeded', () => taskRuns()?.[1]?.status === 'Succeeded');
  // That timer fires now, with nothing left to write: wait until it has.
  await until('no status timer pending', () => statusTimers === 0);
  finish('w-c');
  await until('status says Succeeded', () => reason() === 'Succeeded');
});

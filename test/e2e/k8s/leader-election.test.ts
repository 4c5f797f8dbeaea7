// Two `kiln controller` replicas on the real API server (scripts/k8s-env.sh, the status-playing
// test node), each with deploy/'s ServiceAccount identity and behind a counting proxy of its own:
// only the Lease holder talks to the cluster beyond the Lease; SIGKILL it mid-run and the other
// takes over within the lease duration, finishing every run with one Pod per task.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient, type PipelineRunResource } from '../../../runtimes/kubernetes/index.js';
import {
  startController,
  startK8sEnv,
  watchPodUids,
  type ControllerProcess,
  type K8sEnv,
} from '../../../testkit/k8s-env.js';
import { startFaultProxy, type FaultProxy } from '../../../testkit/fault-proxy.js';
import { until } from '../../../testkit/kubeconfig.js';

const RUNS = 12;
const TASKS = ['a', 'b', 'c'];
// The defaults of `kiln controller` (client-go's): the test proves them, not shorter ones.
const LEASE_MS = 15_000;
const RETRY_MS = 2_000;

let k: K8sEnv;
let client: KubeClient;
let pods: Awaited<ReturnType<typeof watchPodUids>>;
const proxies: FaultProxy[] = [];
const controllers: ControllerProcess[] = [];

beforeAll(async () => {
  k = await startK8sEnv({ statusesOnly: true, controller: false });
  client = createKubeClient(k.admin);
  pods = await watchPodUids(k);
}, 600_000);

afterAll(async () => {
  pods?.stop();
  // SIGKILL: how the replicas end does not matter here, the environment must stop whatever happens.
  for (const c of controllers) await c.stop('SIGKILL');
  await k?.stop();
  for (const p of proxies) await p.close();
}, 180_000);

async function replica(): Promise<{ ctl: ControllerProcess; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(`https://127.0.0.1:${new URL(k.admin.getCurrentCluster()!.server).port}`, {
    ca: readFileSync(join(k.dir, 'pki/apiserver.crt'), 'utf8'),
  });
  proxies.push(proxy);
  const ctl = startController(k, k.controllerKubeconfig(proxy.url));
  controllers.push(ctl);
  return { ctl, proxy };
}
const said = (ctl: ControllerProcess, what: string) => () => ctl.stderr().includes(what);
const pipeline = {
  tasks: Object.fromEntries(
    TASKS.map((t, i) => [t, { image: 'busybox', ...(i ? { needs: [TASKS[i - 1]] } : {}), steps: [{ run: 'true' }] }]),
  ),
};

describe('leader election with two controller replicas', () => {
  it('only the leader acts; killed mid-run, the other takes over within the lease and finishes every run, no duplicate Pods', async () => {
    const a = await replica();
    await until('replica a leading', said(a.ctl, 'became the leader'), 120_000);
    const b = await replica();
    await until('replica b waiting', said(b.ctl, 'waiting for the lease kiln/kiln-controller'), 120_000);

    for (let i = 0; i < RUNS; i++)
      await client.createPipelineRun(k.namespace, {
        apiVersion: 'kiln.dev/v1alpha1',
        kind: 'PipelineRun',
        metadata: { name: `le-${i}` },
        spec: { pipelineSpec: pipeline },
      } as PipelineRunResource);
    // Mid-run: some Pods made, most still to come (the leader works at the default 5 requests/s).
    await until('the leader creating Pods', () => pods.uids.size >= 4, 60_000);
    expect(pods.uids.size, 'all Pods made before the kill: the run is not mid-way').toBeLessThan(RUNS * TASKS.length);
    // The follower has only read the Lease: no list, watch, create or patch went through its proxy.
    expect(Object.keys(b.proxy.requests)).toEqual(['get']);
    expect(a.proxy.requests.create).toBeGreaterThanOrEqual(4);

    const killed = Date.now();
    await a.ctl.stop('SIGKILL');
    await until('replica b leading', said(b.ctl, 'became the leader'), LEASE_MS + 10_000);
    const takeover = Date.now() - killed;
    // Safety: b waited for the lease to expire, counted from when it last saw a renewal (at most one
    // jittered retry period before the kill), so there were never two leaders. How soon after that
    // it took over is bounded above by the wait (lease + 10 s), not asserted as a tighter wall-clock
    // figure, which a loaded machine can miss by a few hundred milliseconds.
    expect(takeover).toBeGreaterThanOrEqual(LEASE_MS - RETRY_MS * 1.2);

    const finished = await until(
      'every run archived',
      async () => {
        const runs = (await client.listPipelineRuns(k.namespace)).items;
        const done = runs.filter((r) => r.status?.archived && r.status.completionTime);
        return done.length === RUNS ? done : undefined;
      },
      180_000,
    );
    for (const r of finished)
      expect(r.status!.conditions![0], r.metadata.name).toMatchObject({ status: 'True', reason: 'Succeeded' });
    const perTask = [...pods.uids].filter(([name]) => name.startsWith('le-'));
    expect(perTask).toHaveLength(RUNS * TASKS.length);
    expect(perTask.filter(([, uids]) => uids.size !== 1)).toEqual([]);
    expect(b.proxy.requests.create).toBeGreaterThan(0);
  }, 600_000);
});

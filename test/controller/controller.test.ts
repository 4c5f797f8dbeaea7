// The reconciler against the loopback API server, the test playing kubelet, a real collector.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../testkit/fake-apiserver.js';
import { evictPod, finishPod, runPod } from './kubelet.js';
import { NS, pipelineRun, startHarness, startLateCollector, type Harness } from '../../testkit/k8s-harness.js';
import { until } from '../../testkit/kubeconfig.js';
import { testClaims } from '../../testkit/store-fixtures.js';

let h: Harness;
afterEach(() => h?.close());

const pod = (name: string) => h.server.get('pods', NS, name);
const run = (name: string) => h.server.get('pipelineruns', NS, name);
const podNames = () =>
  h.server
    .list('pods', NS)
    .map((p) => p.metadata.name)
    .sort();
const condition = (r: KubeObject | undefined) =>
  (r?.status as { conditions?: { status: string; reason: string }[] } | undefined)?.conditions?.[0];
const taskRuns = (r: KubeObject | undefined) =>
  (r?.status as { taskRuns: { name: string; status: string; reason?: string; results: Record<string, string> }[] })
    .taskRuns;
const ok = [{ exitCode: 0 }];
/** The first task run in a run's status, once the controller has written one. */
const firstTaskRun = (name: string) => (run(name)?.status ? taskRuns(run(name))?.[0] : undefined);

async function patchSpec(name: string, spec: unknown) {
  const res = await fetch(`${h.server.url}/apis/kiln.dev/v1alpha1/namespaces/${NS}/pipelineruns/${name}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec }),
  });
  expect(res.status).toBe(200);
}

/** A fresh harness and controller, with run NAME's first Pod created and running. */
async function startWithRunningPodA(name: string) {
  h = await startHarness();
  await h.controller();
  await h.client.createPipelineRun(NS, pipelineRun(name));
  await until('pod a', () => pod(`${name}-a`));
  runPod(h.server, NS, `${name}-a`);
}

async function kubectlDelete(name: string) {
  const res = await fetch(`${h.server.url}/apis/kiln.dev/v1alpha1/namespaces/${NS}/pipelineruns/${name}`, {
    method: 'DELETE',
  });
  expect(res.status).toBe(200);
}

describe('kubernetes controller', () => {
  it('runs a three-task DAG to completion, archives it and deletes its Pods', async () => {
    h = await startHarness();
    const c = await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('r1'));
    await until('pod a', () => pod('r1-a'));
    expect(run('r1')!.metadata.finalizers).toEqual(['kiln.dev/archive']);
    expect(podNames()).toEqual(['r1-a']);
    runPod(h.server, NS, 'r1-a');
    await until('ready annotation', () => pod('r1-a')!.metadata.annotations?.['kiln.dev/ready'] === 'READY');
    finishPod(h.server, NS, 'r1-a', [{ exitCode: 0, results: { v: 'hi' } }]);
    await until('pod b', () => pod('r1-b'));
    expect(pod('r1-b')!.metadata.annotations!['kiln.dev/script-0']).toContain('echo got hi');
    expect(pod('r1-c')).toBeUndefined();
    finishPod(h.server, NS, 'r1-b', ok);
    await until('pod c', () => pod('r1-c'));
    finishPod(h.server, NS, 'r1-c', [{ exitCode: 0 }, { exitCode: 0 }]);
    await until('archived', () => (run('r1')?.status as { archived?: boolean })?.archived);
    const r = run('r1')!;
    expect(condition(r)).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(taskRuns(r).map((t) => [t.name, t.status])).toEqual([
      ['a', 'Succeeded'],
      ['b', 'Succeeded'],
      ['c', 'Succeeded'],
    ]);
    expect(taskRuns(r)[0].results).toEqual({ v: 'hi' });
    await until('finalizer released', () => run('r1')!.metadata.finalizers?.length === 0);
    expect(podNames()).toEqual([]);
    const stored = await h.collector!.store.getRun(h.runId('r1'));
    expect(stored).toMatchObject({ status: 'Succeeded', engine: 'kubernetes' });
    expect(stored!.tasks.find((t) => t.name === 'c')!.steps.map((s) => s.exitCode)).toEqual([0, 0]);
    const metrics = await c.metrics.registry.metrics();
    expect(metrics).toContain('kiln_pipelinerun_duration_seconds_count{pipeline="r1",status="Succeeded"} 1');
    expect(metrics).toContain('kiln_pipelinerun_total{pipeline="r1",status="Succeeded"} 1');
    expect(metrics).toContain('kiln_running_pipelineruns 0');
    expect(metrics).toMatch(/kiln_taskrun_pod_latency_seconds_count 1\n/); // only pod a was seen running
  });

  it('reads a result a step stored at the collector (too large for its termination message) and passes it on', async () => {
    h = await startHarness();
    await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('big'));
    await until('pod a', () => pod('big-a'));
    // Every step is told where such results go, with the run's token mounted.
    const command = (pod('big-a')!.spec as { containers: { command: string[] }[] }).containers[0].command;
    const url = command[command.indexOf('-results_url') + 1];
    expect(url).toBe(`${h.collectorUrl}/v1/runs/${h.runId('big')}/taskruns/big-a/results`);
    runPod(h.server, NS, 'big-a');
    // What the agent does: PUT the value, then put only its reference in the termination message.
    const value = 'v'.repeat(10_000);
    const put = await fetch(`${url}/v`, {
      method: 'PUT',
      body: value,
      headers: {
        authorization: `Bearer ${h.collector!.mintRunToken(testClaims(h.runId('big')))}`,
        'content-type': 'application/octet-stream',
      },
    });
    expect(put.status).toBe(201);
    finishPod(h.server, NS, 'big-a', [
      { exitCode: 0, stored: [{ name: 'v', size: 10_000, sha256: createHash('sha256').update(value).digest('hex') }] },
    ]);
    await until('pod b', () => pod('big-b'));
    expect(pod('big-b')!.metadata.annotations!['kiln.dev/script-0']).toContain(`echo got ${value}`);
    await until('status with the result', () => firstTaskRun('big')?.results?.v === value);
  });

  it('fails the task whose stored result does not match its reference', async () => {
    h = await startHarness();
    await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('bad'));
    await until('pod a', () => pod('bad-a'));
    runPod(h.server, NS, 'bad-a');
    finishPod(h.server, NS, 'bad-a', [{ exitCode: 0, stored: [{ name: 'v', size: 3, sha256: 'a'.repeat(64) }] }]); // never uploaded
    await until('a failed', () => firstTaskRun('bad')?.status === 'Failed');
    expect(firstTaskRun('bad')!.reason).toBe('ResultUnavailable');
    expect(pod('bad-b')).toBeUndefined();
  });

  it('resumes after a restart mid-run without a duplicate Pod or a lost result', async () => {
    h = await startHarness();
    const first = await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('r2'));
    await until('pod a', () => pod('r2-a'));
    finishPod(h.server, NS, 'r2-a', [{ exitCode: 0, results: { v: 'kept' } }]);
    await until('pod b', () => pod('r2-b'));
    first.stop();
    const createsBefore = h.server.requests.get('create')!;
    const second = await h.controller();
    await second.idle();
    // The new engine re-asked for a and b: both creates met 409, nothing new appeared.
    await until('re-created requests answered', () => h.server.requests.get('create')! >= createsBefore + 2);
    expect(podNames()).toEqual(['r2-a', 'r2-b']);
    finishPod(h.server, NS, 'r2-b', ok);
    await until('pod c', () => pod('r2-c'));
    finishPod(h.server, NS, 'r2-c', [{ exitCode: 0 }, { exitCode: 0 }]);
    await until('archived', () => (run('r2')?.status as { archived?: boolean })?.archived);
    expect(condition(run('r2'))).toMatchObject({ status: 'True' });
    expect(taskRuns(run('r2'))[0].results).toEqual({ v: 'kept' });
  });

  it('fails the task of an evicted Pod with a clear reason', async () => {
    await startWithRunningPodA('r3');
    evictPod(h.server, NS, 'r3-a');
    await until('run failed', () => condition(run('r3'))?.status === 'False' && run('r3'));
    expect(taskRuns(run('r3'))[0]).toMatchObject({ name: 'a', status: 'Failed', reason: 'PodEvicted' });
    expect(pod('r3-b')).toBeUndefined();
  });

  it('fails the task of a Pod deleted under it', async () => {
    await startWithRunningPodA('r4');
    await h.client.deletePod(NS, 'r4-a');
    await until('run failed', () => condition(run('r4'))?.status === 'False' && run('r4'));
    expect(taskRuns(run('r4'))[0]).toMatchObject({ status: 'Failed', reason: 'PodDeleted' });
  });

  it('cancels with spec.status: Cancelled, deleting running Pods', async () => {
    await startWithRunningPodA('r5');
    await patchSpec('r5', { status: 'Cancelled' });
    await until('pod a deleted', () => !pod('r5-a'));
    await until('run cancelled', () => condition(run('r5'))?.reason === 'Cancelled');
    expect(taskRuns(run('r5'))[0].status).toBe('Cancelled');
    expect(podNames()).toEqual([]);
  });

  it('holds a deleted run with its finalizer until the record is archived', async () => {
    h = await startHarness({ collector: 'later' });
    const c = await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('r6'));
    await until('pod a', () => pod('r6-a'));
    const id = h.runId('r6');
    await kubectlDelete('r6');
    await until('pod a deleted by the cancel', () => !pod('r6-a'));
    // The collector is down: archiving fails and is retried; the run must stay.
    const errors = async () => (await c.metrics.reconcileErrors.get()).values[0]?.value ?? 0;
    await until('two failed archive attempts', async () => (await errors()) >= 2);
    expect(run('r6')!.metadata.deletionTimestamp).toBeTruthy();
    expect(run('r6')!.metadata.finalizers).toEqual(['kiln.dev/archive']);
    const collector = await startLateCollector(h);
    await until('run gone once archived', () => !run('r6'));
    expect(await collector.store.getRun(id)).toMatchObject({ status: 'Cancelled' });
  });

  it('refuses a run whose pipeline does not exist, saying which', async () => {
    h = await startHarness();
    await h.controller();
    await h.client.createPipelineRun(NS, { metadata: { name: 'r7' }, spec: { pipelineRef: { name: 'nope' } } });
    await until('refused', () => condition(run('r7'))?.reason === 'InvalidPipelineRun' && run('r7'));
    expect((run('r7')!.status as { conditions: { message: string }[] }).conditions[0].message).toBe(
      'PipelineRun "r7" spec.pipelineRef.name: no Pipeline "nope" in namespace ci',
    );
    expect(podNames()).toEqual([]);
  });

  it('deletes an archived run after the grace period', async () => {
    h = await startHarness({ collector: false });
    await h.controller({ archiveGraceMs: 100 });
    await h.client.createPipelineRun(
      NS,
      pipelineRun('r8', { tasks: { a: { image: 'busybox', steps: [{ run: 'true' }] } } }),
    );
    await until('pod a', () => pod('r8-a'));
    finishPod(h.server, NS, 'r8-a', ok);
    await until('archived', () => (run('r8')?.status as { archived?: boolean })?.archived);
    await until('deleted after grace', () => !run('r8'));
    expect(podNames()).toEqual([]); // collected with their owner
  });

  it("makes one PVC per volumeClaimTemplate workspace, shared by the run's Pods", async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    const spec = {
      workspaces: ['src'],
      tasks: { a: { image: 'busybox', steps: [{ run: 'true' }] }, b: { image: 'busybox', steps: [{ run: 'true' }] } },
    };
    await h.client.createPipelineRun(NS, {
      ...pipelineRun('r9', spec),
      spec: {
        pipelineSpec: spec,
        workspaces: {
          src: {
            volumeClaimTemplate: {
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          },
        },
      },
    });
    await until('both pods', () => pod('r9-a') && pod('r9-b'));
    const claims = h.server.list('persistentvolumeclaims', NS);
    expect(claims.map((c) => c.metadata.name)).toEqual(['r9-ws-src']);
    expect(claims[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(claims[0].metadata.ownerReferences![0]).toMatchObject({
      kind: 'PipelineRun',
      name: 'r9',
      uid: run('r9')!.metadata.uid,
    });
    for (const p of ['r9-a', 'r9-b']) {
      const volumes = (pod(p)!.spec as { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] })
        .volumes;
      expect(volumes.find((v) => v.name === 'ws-src')!.persistentVolumeClaim).toEqual({ claimName: 'r9-ws-src' });
    }
  });

  it('binds the collector run id and token to namespace, name and UID: same-named runs in two namespaces keep two histories', async () => {
    h = await startHarness();
    await h.controller({ namespace: undefined });
    const spec = { tasks: { only: { image: 'busybox', steps: [{ run: 'true' }] } } };
    const namespaces = [NS, 'other'];
    for (const ns of namespaces) await h.client.createPipelineRun(ns, pipelineRun('same', spec));
    for (const ns of namespaces) {
      await until(`pod in ${ns}`, () => h.server.get('pods', ns, 'same-only'));
      finishPod(h.server, ns, 'same-only', ok);
    }
    const [mine, theirs] = namespaces.map((ns) => h.runId('same', ns));
    expect(mine).toMatch(/^ci\.same\.[0-9a-f]{8}$/);
    expect(theirs).toMatch(/^other\.same\.[0-9a-f]{8}$/);
    for (const id of [mine!, theirs!])
      await until(`${id} archived`, async () => (await h.collector!.store.getRun(id))?.status === 'Succeeded');
    // `kiln logs ID` for a run named in kubectl: its status says the id.
    await until(
      'runId in status',
      () => (h.server.get('pipelineruns', 'other', 'same')?.status as { runId?: string } | undefined)?.runId === theirs,
    );
    // The token the controller gave ci's run (its Pods' Secret) writes ci's run, not other's.
    const secret = h.server.get('secrets', NS, 'same-kiln-token') as { stringData?: { token: string } };
    const put = (id: string) =>
      fetch(`${h.collectorUrl}/v1/runs/${id}/taskruns/same-only/results/v`, {
        method: 'PUT',
        body: 'x',
        headers: { authorization: `Bearer ${secret.stringData!.token}`, 'content-type': 'application/octet-stream' },
      });
    expect((await put(theirs!)).status).toBe(403);
    expect((await put(mine!)).status).toBe(201);
  });
});

// What a real cluster demands of the controller, against the loopback API server (the same
// behaviours run against a real kube-apiserver in test/k8s): no native sidecars on an old server,
// transient API failures retried without failing a run or losing its status, stale writes refused.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../testkit/fake-apiserver.js';
import { startFaultProxy, type FaultProxy } from '../../testkit/fault-proxy.js';
import { finishPod, runPod } from './kubelet.js';
import { NS, pipelineRun, startHarness, type Harness } from '../../testkit/k8s-harness.js';
import { loopbackKubeConfig, until } from '../../testkit/kubeconfig.js';
import { createKubeClient } from '../../runtimes/kubernetes/client.js';
import { nativeSidecarsSupported } from '../../runtimes/kubernetes/server-version.js';

let h: Harness | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await h?.close();
  proxy = h = undefined;
});

const ONE_TASK = { tasks: { a: { image: 'busybox', steps: [{ run: 'true' }] } } };
const TWO_TASKS = {
  tasks: {
    a: { image: 'busybox', results: ['v'], steps: [{ run: 'echo hi > $(results.v.path)' }] },
    b: { image: 'busybox', steps: [{ run: 'echo $(tasks.a.results.v)' }] },
  },
};
const get = (plural: string, name: string) => h!.server.get(plural, NS, name);
const condition = (r: KubeObject | undefined) =>
  (r?.status as { conditions?: { status: string; reason: string }[] } | undefined)?.conditions?.[0];

describe('native sidecars by server version', () => {
  it('reads 1.29 and later (a "29+" minor too) as having them, older or unreadable as not', () => {
    expect(nativeSidecarsSupported({ major: '1', minor: '29' })).toBe(true);
    expect(nativeSidecarsSupported({ major: '1', minor: '31+' })).toBe(true);
    expect(nativeSidecarsSupported({ major: '1', minor: '28' })).toBe(false);
    expect(nativeSidecarsSupported({ major: '', minor: '' })).toBe(false);
  });

  for (const [version, native] of [
    ['1.28', false],
    ['1.30', true],
  ] as const) {
    it(`on a ${version} server runs the log proxy ${native ? 'as a native sidecar' : 'as the last ordinary container'}`, async () => {
      h = await startHarness({ version });
      await h.controller();
      await h.client.createPipelineRun(NS, pipelineRun('s1', ONE_TASK));
      const pod = await until('pod', () => get('pods', 's1-a'));
      const spec = pod.spec as {
        initContainers: { name: string; restartPolicy?: string }[];
        containers: { name: string }[];
      };
      expect(spec.initContainers.map((c) => [c.name, c.restartPolicy])).toEqual(
        native
          ? [
              ['kiln-init', undefined],
              ['kiln-log-proxy', 'Always'],
            ]
          : [['kiln-init', undefined]],
      );
      expect(spec.containers.map((c) => c.name)).toEqual(native ? ['step-step-1'] : ['step-step-1', 'kiln-log-proxy']);
    });
  }
});

describe('transient API failures', () => {
  async function throughProxy() {
    h = await startHarness();
    proxy = await startFaultProxy(h.server.url);
    return h.controller({ client: createKubeClient(loopbackKubeConfig(proxy.url, NS)) });
  }

  it('a 500 on Pod create, a 429 and a 500 on status writes and a dropped watch: the run succeeds, one Pod per task', async () => {
    await throughProxy();
    proxy!.inject({ method: 'POST', path: /\/pods$/, kind: 500, times: 1 });
    proxy!.inject({ method: 'POST', path: /\/pods$/, kind: 429, times: 1 });
    proxy!.inject({ method: 'PATCH', path: /\/pipelineruns\/t1\/status$/, kind: 500, times: 2 });
    await h!.client.createPipelineRun(NS, pipelineRun('t1', TWO_TASKS));
    await until('pod a', () => get('pods', 't1-a'));
    proxy!.dropWatches();
    runPod(h!.server, NS, 't1-a');
    finishPod(h!.server, NS, 't1-a', [{ exitCode: 0, results: { v: 'hi' } }]);
    await until('pod b', () => get('pods', 't1-b'));
    // The final status write meets a 500 too: it is retried, not lost.
    proxy!.inject({ method: 'PATCH', path: /\/pipelineruns\/t1\/status$/, kind: 500, times: 1 });
    runPod(h!.server, NS, 't1-b');
    finishPod(h!.server, NS, 't1-b', [{ exitCode: 0 }]);
    await until('archived', () => (get('pipelineruns', 't1')?.status as { archived?: boolean })?.archived);
    expect(condition(get('pipelineruns', 't1'))).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(h!.server.requests.get('create')).toBeGreaterThanOrEqual(2);
    expect(h!.server.list('pods', NS).map((p) => p.metadata.name)).toEqual([]);
    expect(proxy!.fired).toMatchObject({ 500: 4, 429: 1 });
  });

  it('a 409 on the finalizer write is retried from the newer object, keeping what another writer added', async () => {
    await throughProxy();
    proxy!.inject({ method: 'PATCH', path: /\/pipelineruns\/f1$/, kind: 409, times: 1 });
    await h!.client.createPipelineRun(NS, {
      ...pipelineRun('f1', ONE_TASK),
      metadata: { name: 'f1', finalizers: ['other.io/keep'] },
    });
    await until('finalizer', () => get('pipelineruns', 'f1')?.metadata.finalizers?.includes('kiln.dev/archive'));
    expect(get('pipelineruns', 'f1')!.metadata.finalizers).toEqual(['other.io/keep', 'kiln.dev/archive']);
    expect(proxy!.fired[409]).toBe(1);
  });

  it('refuses a finalizer list computed from a stale object (409), so no other writer’s finalizer is lost', async () => {
    h = await startHarness();
    const created = (await h.client.createPipelineRun(NS, pipelineRun('f2', ONE_TASK))) as KubeObject;
    await h.client.setPipelineRunFinalizers(NS, 'f2', ['x.io/a'], created.metadata.resourceVersion);
    await expect(
      h.client.setPipelineRunFinalizers(NS, 'f2', ['kiln.dev/archive'], created.metadata.resourceVersion),
    ).rejects.toMatchObject({ status: 409 });
    expect(get('pipelineruns', 'f2')!.metadata.finalizers).toEqual(['x.io/a']);
  });
});

describe('what would hang on a real cluster', () => {
  const waiting = (reason: string, message: string) => ({
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'step-step-1',
        ready: false,
        restartCount: 0,
        image: 'x',
        imageID: '',
        state: { waiting: { reason, message } },
      },
    ],
  });

  it('a container stuck on ErrImagePull fails its task with that reason after the grace, and its Pod is deleted', async () => {
    h = await startHarness();
    await h.controller({ startFailureGraceMs: 300 });
    await h.client.createPipelineRun(NS, pipelineRun('img', ONE_TASK));
    await until('pod', () => get('pods', 'img-a'));
    h.server.setStatus('pods', NS, 'img-a', waiting('ErrImagePull', 'pull access denied for busybox'));
    const r = await until('failed', () => {
      const c = condition(get('pipelineruns', 'img'));
      return c?.status === 'False' ? get('pipelineruns', 'img') : undefined;
    });
    const tr = (r.status as { taskRuns: { status: string; reason: string; steps: { reason?: string }[] }[] })
      .taskRuns[0];
    expect(tr).toMatchObject({ status: 'Failed', reason: 'ErrImagePull' });
    expect(tr.steps[0]).toMatchObject({ status: 'Failed', reason: 'ErrImagePull' });
    await until('pod deleted', () => !get('pods', 'img-a'));
  });

  it('an image error that clears within the grace does not fail the task', async () => {
    h = await startHarness();
    await h.controller({ startFailureGraceMs: 60_000 });
    await h.client.createPipelineRun(NS, pipelineRun('img2', ONE_TASK));
    await until('pod', () => get('pods', 'img2-a'));
    h.server.setStatus('pods', NS, 'img2-a', waiting('ImagePullBackOff', 'back-off pulling image'));
    runPod(h.server, NS, 'img2-a');
    finishPod(h.server, NS, 'img2-a', [{ exitCode: 0 }]);
    await until('succeeded', () => condition(get('pipelineruns', 'img2'))?.status === 'True');
  });

  it('a sidecar in CrashLoopBackOff before the Pod is initialized fails its task with SidecarNotReady', async () => {
    h = await startHarness();
    await h.controller({ startFailureGraceMs: 300 });
    const withSidecar = {
      tasks: {
        a: {
          image: 'busybox',
          sidecars: [{ name: 'db', command: ['db'], readinessProbe: { tcpSocket: { port: 5432 } } }],
          steps: [{ run: 'true' }],
        },
      },
    };
    await h.client.createPipelineRun(NS, pipelineRun('sc', withSidecar));
    await until('pod', () => get('pods', 'sc-a'));
    h.server.setStatus('pods', NS, 'sc-a', {
      ...waiting('PodInitializing', ''),
      conditions: [{ type: 'Initialized', status: 'False' }],
      initContainerStatuses: [
        {
          name: 'sidecar-db',
          ready: false,
          restartCount: 3,
          image: 'busybox',
          imageID: '',
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
        },
      ],
    });
    const r = await until('failed', () => {
      const c = condition(get('pipelineruns', 'sc'));
      return c?.status === 'False' ? get('pipelineruns', 'sc') : undefined;
    });
    const tr = (r.status as { taskRuns: { status: string; reason: string }[] }).taskRuns[0];
    expect(tr).toMatchObject({ status: 'Failed', reason: 'SidecarNotReady' });
  });

  it('InvalidImageName fails at once (it never recovers)', async () => {
    h = await startHarness();
    await h.controller({ startFailureGraceMs: 3_600_000 });
    await h.client.createPipelineRun(NS, pipelineRun('img3', ONE_TASK));
    await until('pod', () => get('pods', 'img3-a'));
    h.server.setStatus('pods', NS, 'img3-a', waiting('InvalidImageName', 'couldn\'t parse image name "Bad:Image"'));
    await until('failed', () => condition(get('pipelineruns', 'img3'))?.status === 'False');
  });

  it('never adopts a Pod of the same name owned by another run: it waits for that Pod to go, then makes its own', async () => {
    h = await startHarness();
    const foreign = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'same-a',
        namespace: NS,
        labels: { 'app.kubernetes.io/managed-by': 'kiln', 'kiln.dev/taskrun': 'same-a' },
        ownerReferences: [{ apiVersion: 'kiln.dev/v1alpha1', kind: 'PipelineRun', name: 'same', uid: 'an-older-run' }],
      },
      spec: { containers: [{ name: 'step-step-1', image: 'busybox' }] },
    };
    const res = await fetch(`${h.server.url}/api/v1/namespaces/${NS}/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(foreign),
    });
    expect(res.status).toBe(201);
    const logs: string[] = [];
    await h.controller({ log: (l) => logs.push(l) });
    const run = (await h.client.createPipelineRun(NS, pipelineRun('same', ONE_TASK))) as KubeObject;
    await until('waiting logged', () => logs.some((l) => l.includes('belongs to an older run')));
    // The old Pod finishing must not finish the new run.
    finishPod(h.server, NS, 'same-a', [{ exitCode: 0 }]);
    await fetch(`${h.server.url}/api/v1/namespaces/${NS}/pods/same-a`, { method: 'DELETE' });
    const mine = await until('own pod', () => {
      const p = get('pods', 'same-a');
      return p?.metadata.ownerReferences?.[0]?.uid === run.metadata.uid ? p : undefined;
    });
    expect(mine).toBeDefined();
    expect(condition(get('pipelineruns', 'same'))?.status).not.toBe('True');
  });

  it('a run with no timeout gets the default hour, and its Pods that deadline as a backstop', async () => {
    h = await startHarness();
    await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('deadline', ONE_TASK));
    const pod = await until('pod', () => get('pods', 'deadline-a'));
    const seconds = (pod.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds!;
    // The hour counts from the run's start, plus the 30 s grace the engine's own timeout goes first by.
    expect(seconds).toBeGreaterThan(3590 + 30);
    expect(seconds).toBeLessThanOrEqual(3600 + 30);
  });
});

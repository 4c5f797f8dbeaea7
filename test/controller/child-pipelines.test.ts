// Pipelines in pipelines on Kubernetes: a pipeline task's run is a child PipelineRun owned by its
// parent. The reconciler against the loopback API server, the test playing kubelet, a real collector.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../testkit/fake-apiserver.js';
import { NS, pipelineRun, startHarness, type Harness } from '../../testkit/k8s-harness.js';
import { until } from '../../testkit/kubeconfig.js';
import { finishPod, runPod } from './kubelet.js';

let h: Harness;
afterEach(() => h?.close());

const pod = (name: string) => h.server.get('pods', NS, name);
const run = (name: string) => h.server.get('pipelineruns', NS, name);
const runNames = () =>
  h.server
    .list('pipelineruns', NS)
    .map((r) => r.metadata.name)
    .sort();
interface Status {
  conditions?: { status: string; reason: string; message: string }[];
  taskRuns?: { name: string; status: string; reason?: string; results: Record<string, string> }[];
  archived?: boolean;
}
const status = (r: KubeObject | undefined) => r?.status as Status | undefined;
const reasonOf = (name: string) => status(run(name))?.conditions?.[0]?.reason;
const taskRun = (name: string, task: string) => status(run(name))?.taskRuns?.find((t) => t.name === task);

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.server.url}/apis/kiln.dev/v1alpha1/namespaces/${NS}/${path}`, {
    method,
    headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}
const createPipeline = (name: string, spec: unknown) =>
  api('POST', 'pipelines', { apiVersion: 'kiln.dev/v1alpha1', kind: 'Pipeline', metadata: { name }, spec });

const DEPLOY = {
  params: { image: { type: 'string' } },
  workspaces: ['src'],
  tasks: {
    push: {
      image: 'busybox',
      results: ['url'],
      steps: [{ run: 'echo deploying $(params.image) > $(results.url.path)' }],
    },
  },
  results: { url: '$(tasks.push.results.url)' },
};

const RELEASE = {
  workspaces: ['source'],
  tasks: {
    build: { image: 'busybox', results: ['image'], steps: [{ run: 'echo img > $(results.image.path)' }] },
    deploy: { pipeline: 'deploy', params: { image: '$(tasks.build.results.image)' }, workspaces: { src: 'source' } },
    report: { image: 'busybox', steps: [{ run: 'echo $(tasks.deploy.results.url)' }] },
  },
};

describe('pipelines in pipelines on kubernetes', () => {
  it('runs a pipeline task as a child PipelineRun owned by its parent and reads its results', async () => {
    h = await startHarness();
    await h.controller();
    await createPipeline('deploy', DEPLOY);
    const parent = pipelineRun('rel', RELEASE);
    parent.spec.workspaces = { source: { persistentVolumeClaim: { claimName: 'shared' }, subPath: 'app' } };
    await h.client.createPipelineRun(NS, parent);
    await until('pod build', () => pod('rel-build'));
    runPod(h.server, NS, 'rel-build');
    finishPod(h.server, NS, 'rel-build', [{ exitCode: 0, results: { image: 'registry/app:1' } }]);

    await until('child PipelineRun', () => run('rel-deploy'));
    const child = run('rel-deploy')!;
    expect(child.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'PipelineRun', name: 'rel', uid: run('rel')!.metadata.uid, controller: true }),
    ]);
    expect(child.metadata.labels).toMatchObject({ 'kiln.dev/parent-pipelinerun': 'rel' });
    expect(child.metadata.annotations).toMatchObject({
      'kiln.dev/parent-task': 'deploy',
      'kiln.dev/pipeline-depth': '1',
    });
    expect(child.spec).toMatchObject({
      pipelineRef: { name: 'deploy' },
      params: { image: 'registry/app:1' },
      workspaces: { src: { persistentVolumeClaim: { claimName: 'shared' }, subPath: 'app' } },
    });

    // The child's own reconcile runs it: its Pod is the child's, named as locally.
    await until('pod push', () => pod('rel-deploy-push'));
    expect(pod('rel-deploy-push')!.metadata.ownerReferences?.[0]).toMatchObject({ name: 'rel-deploy' });
    expect(pod('rel-deploy-push')!.metadata.annotations!['kiln.dev/script-0']).toContain('deploying registry/app:1');
    runPod(h.server, NS, 'rel-deploy-push');
    finishPod(h.server, NS, 'rel-deploy-push', [{ exitCode: 0, results: { url: 'https://app.example' } }]);

    await until('pod report', () => pod('rel-report'));
    expect(pod('rel-report')!.metadata.annotations!['kiln.dev/script-0']).toContain('echo https://app.example');
    await until('deploy in the status', () => taskRun('rel', 'deploy')?.status === 'Succeeded');
    expect(taskRun('rel', 'deploy')).toMatchObject({ status: 'Succeeded', results: { url: 'https://app.example' } });
    runPod(h.server, NS, 'rel-report');
    finishPod(h.server, NS, 'rel-report', [{ exitCode: 0 }]);
    await until('archived', () => status(run('rel'))?.archived);
    expect(reasonOf('rel')).toBe('Succeeded');

    // The parent's record holds the child's under its task run, as a local run's does.
    // Each is stored under its own collector id (namespace, name and UID).
    const stored = await h.collector!.store.getRun(h.runId('rel'));
    const deploy = stored!.tasks.find((t) => t.name === 'deploy')!;
    expect(deploy.child).toMatchObject({ id: h.runId('rel-deploy'), name: 'deploy', status: 'Succeeded' });
    expect(deploy.child!.tasks.map((t) => [t.name, t.status])).toEqual([['push', 'Succeeded']]);
    expect(await h.collector!.store.getRun(h.runId('rel-deploy'))).toMatchObject({ status: 'Succeeded' });
  });

  it('holds the depth limit across PipelineRuns: past it the calling task and every caller fail', async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    await createPipeline('again', {
      params: { go: { default: 'yes' } },
      tasks: { again: { pipeline: 'again', when: ['$(params.go) in [yes]'] } },
    });
    await h.client.createPipelineRun(NS, {
      metadata: { name: 'deep', annotations: { 'kiln.dev/max-pipeline-depth': '2' } },
      spec: { pipelineRef: { name: 'again' } },
    });
    await until('root failed', () => status(run('deep'))?.archived);
    expect(status(run('deep'))!.conditions![0]).toMatchObject({ status: 'False', reason: 'TaskFailed: again' });
    expect(runNames()).toEqual(['deep', 'deep-again', 'deep-again-again']);
    expect(run('deep-again-again')!.metadata.annotations).toMatchObject({
      'kiln.dev/pipeline-depth': '2',
      'kiln.dev/max-pipeline-depth': '2',
    });
    expect(taskRun('deep-again-again', 'again')!.reason).toBe(
      'PipelineDepthExceeded: running "again" would nest pipelines 3 deep, more than 2 (kiln run --max-depth)',
    );
    expect(taskRun('deep-again', 'again')).toMatchObject({ status: 'Failed' });
    expect(taskRun('deep', 'again')).toMatchObject({ status: 'Failed' });
  });

  it('cancels the child when the parent is cancelled, and deleting the parent deletes the child', async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    await createPipeline('deploy', DEPLOY);
    await h.client.createPipelineRun(
      NS,
      pipelineRun('stop', { workspaces: ['src'], tasks: { d: { pipeline: 'deploy', params: { image: 'x' } } } }),
    );
    await until('pod push', () => pod('stop-d-push'));
    runPod(h.server, NS, 'stop-d-push');
    await api('PATCH', 'pipelineruns/stop', { spec: { status: 'Cancelled' } });
    await until('child cancelled', () => reasonOf('stop-d') === 'Cancelled');
    expect((run('stop-d')!.spec as { status?: string }).status).toBe('Cancelled');
    await until('parent cancelled', () => reasonOf('stop') === 'Cancelled');
    expect(taskRun('stop', 'd')).toMatchObject({ status: 'Cancelled' });

    await api('DELETE', 'pipelineruns/stop');
    await until('child deleted', () => runNames().length === 0);
  });

  it("a pipeline task's timeout cancels its child PipelineRun and the task ends TimedOut", async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    await createPipeline('deploy', DEPLOY);
    await h.client.createPipelineRun(
      NS,
      pipelineRun('slow', {
        workspaces: ['src'],
        tasks: { d: { pipeline: 'deploy', params: { image: 'x' }, timeout: '300ms' } },
      }),
    );
    await until('pod push', () => pod('slow-d-push'));
    runPod(h.server, NS, 'slow-d-push');
    await until('child cancelled', () => (run('slow-d')!.spec as { status?: string }).status === 'Cancelled');
    await until('parent ended', () => status(run('slow'))?.archived);
    expect(taskRun('slow', 'd')).toMatchObject({ status: 'TimedOut' });
    expect(reasonOf('slow-d')).toBe('Cancelled');
  });

  it('a restarted controller adopts the child it made: one child, and the parent goes on when it ends', async () => {
    h = await startHarness({ collector: false });
    const first = await h.controller();
    await createPipeline('deploy', DEPLOY);
    await h.client.createPipelineRun(
      NS,
      pipelineRun('again', {
        workspaces: ['src'],
        tasks: {
          d: { pipeline: 'deploy', params: { image: 'x' } },
          after: { image: 'busybox', steps: [{ run: 'echo $(tasks.d.results.url)' }] },
        },
      }),
    );
    await until('pod push', () => pod('again-d-push'));
    const uid = run('again-d')!.metadata.uid;
    first.stop();
    await h.controller();
    runPod(h.server, NS, 'again-d-push');
    finishPod(h.server, NS, 'again-d-push', [{ exitCode: 0, results: { url: 'u1' } }]);
    await until('pod after', () => pod('again-after'));
    expect(pod('again-after')!.metadata.annotations!['kiln.dev/script-0']).toContain('echo u1');
    expect(run('again-d')!.metadata.uid).toBe(uid);
    expect(runNames()).toEqual(['again', 'again-d']);
  });

  it("binds a parent's volumeClaimTemplate workspace to the child as the parent's PVC, made if no task of the parent has", async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    await createPipeline('deploy', DEPLOY);
    const parent = pipelineRun('vct', {
      workspaces: ['source'],
      tasks: { d: { pipeline: 'deploy', params: { image: 'x' }, workspaces: { src: 'source' } } },
    });
    parent.spec.workspaces = {
      source: {
        volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      },
    };
    await h.client.createPipelineRun(NS, parent);
    await until('child PipelineRun', () => run('vct-d'));
    expect(run('vct-d')!.spec).toMatchObject({
      workspaces: { src: { persistentVolumeClaim: { claimName: 'vct-ws-source' } } },
    });
    const claim = h.server.get('persistentvolumeclaims', NS, 'vct-ws-source')!;
    expect(claim.metadata.ownerReferences).toEqual([expect.objectContaining({ name: 'vct', kind: 'PipelineRun' })]);
    await until('pod push', () => pod('vct-d-push'));
    expect(h.server.list('persistentvolumeclaims', NS).map((c) => c.metadata.name)).toEqual(['vct-ws-source']);
  });

  it('refuses a run calling a Pipeline that does not exist, saying which and where', async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('lost', { tasks: { d: { pipeline: 'nope' } } }));
    await until('refused', () => reasonOf('lost') === 'InvalidPipelineRun');
    expect(status(run('lost'))!.conditions![0].message).toContain(
      'pipeline: there is no Pipeline "nope" in namespace ci',
    );
    await h.client.createPipelineRun(NS, pipelineRun('file', { tasks: { d: { pipeline: './deploy.yaml' } } }));
    await until('refused', () => reasonOf('file') === 'InvalidPipelineRun');
    expect(status(run('file'))!.conditions![0].message).toContain(
      'pipeline: "./deploy.yaml" is a file; on Kubernetes a pipeline task names a Pipeline resource',
    );
    expect(runNames()).toEqual(['file', 'lost']);
  });

  it("runs Tekton's spellings as children: pipelineRef names a Pipeline, an embedded pipelineSpec travels in the child's spec; results, params and workspaces as for pipeline:", async () => {
    h = await startHarness();
    await h.controller();
    await createPipeline('deploy', DEPLOY);
    const parent = pipelineRun('tek', {
      workspaces: ['source'],
      tasks: {
        byref: { pipelineRef: { name: 'deploy' }, params: { image: 'img' }, workspaces: { src: 'source' } },
        inline: {
          params: { url: '$(tasks.byref.results.url)' },
          pipelineSpec: {
            params: { url: {} },
            workspaces: ['data'],
            tasks: {
              check: { image: 'busybox', results: ['ok'], steps: [{ run: 'curl $(params.url) > $(results.ok.path)' }] },
            },
            results: { ok: '$(tasks.check.results.ok)' },
          },
          workspaces: { data: 'source' },
        },
        report: { image: 'busybox', steps: [{ run: 'echo $(tasks.inline.results.ok)' }] },
      },
    });
    parent.spec.workspaces = { source: { persistentVolumeClaim: { claimName: 'shared' } } };
    await h.client.createPipelineRun(NS, parent);
    await until('child byref', () => run('tek-byref'));
    expect(run('tek-byref')!.spec).toMatchObject({ pipelineRef: { name: 'deploy' }, params: { image: 'img' } });
    await until('pod push', () => pod('tek-byref-push'));
    runPod(h.server, NS, 'tek-byref-push');
    finishPod(h.server, NS, 'tek-byref-push', [{ exitCode: 0, results: { url: 'https://u1' } }]);

    await until('child inline', () => run('tek-inline'));
    const inline = run('tek-inline')!;
    expect(inline.metadata.ownerReferences).toEqual([expect.objectContaining({ name: 'tek', controller: true })]);
    expect(inline.metadata.annotations).toMatchObject({
      'kiln.dev/parent-task': 'inline',
      'kiln.dev/pipeline-depth': '1',
    });
    expect(inline.spec).toMatchObject({
      pipelineSpec: { name: 'inline', params: { url: {} }, tasks: { check: { image: 'busybox' } } },
      params: { url: 'https://u1' },
      workspaces: { data: { persistentVolumeClaim: { claimName: 'shared' } } },
    });
    expect(inline.spec).not.toHaveProperty('pipelineRef');
    await until('pod check', () => pod('tek-inline-check'));
    expect(pod('tek-inline-check')!.metadata.annotations!['kiln.dev/script-0']).toContain('curl https://u1');
    runPod(h.server, NS, 'tek-inline-check');
    finishPod(h.server, NS, 'tek-inline-check', [{ exitCode: 0, results: { ok: 'yes' } }]);
    await until('pod report', () => pod('tek-report'));
    expect(pod('tek-report')!.metadata.annotations!['kiln.dev/script-0']).toContain('echo yes');
    runPod(h.server, NS, 'tek-report');
    finishPod(h.server, NS, 'tek-report', [{ exitCode: 0 }]);
    await until('archived', () => status(run('tek'))?.archived);
    expect(reasonOf('tek')).toBe('Succeeded');
    const stored = await h.collector!.store.getRun(h.runId('tek'));
    expect(stored!.tasks.find((t) => t.name === 'inline')!.child).toMatchObject({
      id: h.runId('tek-inline'),
      name: 'inline',
      status: 'Succeeded',
    });
  });

  it('an embedded pipelineSpec: its timeout cancels the child; the depth limit holds through it', async () => {
    h = await startHarness({ collector: false });
    await h.controller();
    const SLOW = { tasks: { s: { image: 'busybox', steps: [{ run: 'sleep 60' }] } } };
    await h.client.createPipelineRun(
      NS,
      pipelineRun('emb', { tasks: { d: { pipelineSpec: SLOW, timeout: '300ms' } } }),
    );
    await until('pod s', () => pod('emb-d-s'));
    runPod(h.server, NS, 'emb-d-s');
    await until('child cancelled', () => (run('emb-d')!.spec as { status?: string }).status === 'Cancelled');
    await until('parent ended', () => status(run('emb'))?.archived);
    expect(taskRun('emb', 'd')).toMatchObject({ status: 'TimedOut' });

    // A Pipeline whose embedded pipeline calls it back: each PipelineRun one level deeper.
    await createPipeline('loop', {
      tasks: {
        inner: {
          pipelineSpec: {
            params: { go: { default: 'yes' } },
            tasks: { back: { pipelineRef: { name: 'loop' }, when: ['$(params.go) in [yes]'] } },
          },
        },
      },
    });
    await h.client.createPipelineRun(NS, {
      metadata: { name: 'deep', annotations: { 'kiln.dev/max-pipeline-depth': '2' } },
      spec: { pipelineRef: { name: 'loop' } },
    });
    await until('root failed', () => status(run('deep'))?.archived);
    expect(runNames(), JSON.stringify(run('deep-inner')?.status)).toEqual([
      'deep',
      'deep-inner',
      'deep-inner-back',
      'emb',
      'emb-d',
    ]);
    expect(run('deep-inner-back')!.spec).toMatchObject({ pipelineRef: { name: 'loop' } });
    expect(taskRun('deep-inner-back', 'inner')!.reason).toMatch(
      /^PipelineDepthExceeded: running "inner" would nest pipelines 3 deep, more than 2/,
    );
    expect(taskRun('deep', 'inner')).toMatchObject({ status: 'Failed' });
  });
});

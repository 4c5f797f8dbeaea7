// The in-test API server against the real @kubernetes/client-node: if these fail, the reconciler
// tests would be testing a fiction.
import type { V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../runtimes/kubernetes/client.js';
import { Informer } from '../../controller/informer.js';
import { FakeApiServer } from '../../testkit/fake-apiserver.js';
import { loopbackKubeConfig, until } from '../../testkit/kubeconfig.js';
import { applyJsonPatch, applyMergePatch } from '../../testkit/json-patches.js';

const pod = (name: string, labels: Record<string, string> = { app: 'x' }): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ci', labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

let server: FakeApiServer;
beforeEach(async () => {
  server = new FakeApiServer();
  await server.start();
});
afterEach(() => server.stop());

describe('fake API server via client-node', () => {
  it('creates, answers 409 on a clash, patches annotations, deletes', async () => {
    const client = createKubeClient(loopbackKubeConfig(server.url));
    expect(await client.createPod(pod('a'))).toBe('created');
    expect(await client.createPod(pod('a'))).toBe('exists');
    await client.patchPodAnnotations('ci', 'a', { 'kiln.dev/ready': 'READY' });
    expect(server.get('pods', 'ci', 'a')!.metadata.annotations).toEqual({ 'kiln.dev/ready': 'READY' });
    expect(await client.deletePod('ci', 'a')).toBe(true);
    expect(await client.deletePod('ci', 'a')).toBe(false);
    expect(server.requests.get('create')).toBe(2);
  });

  it('lists with a label selector and watches from the list version, through a dropped watch', async () => {
    const client = createKubeClient(loopbackKubeConfig(server.url));
    await client.createPod(pod('before', { app: 'x' }));
    await client.createPod(pod('other', { app: 'y' }));
    const seen: string[] = [];
    const informer = new Informer(() => client.listPods('ci', 'app=x'), client.watchPods('ci', 'app=x'), {
      upsert: (p) => seen.push(`up:${p.metadata!.name}:${p.metadata!.resourceVersion}`),
      remove: (p) => seen.push(`rm:${p.metadata!.name}`),
    });
    await informer.start();
    expect(informer.items().map((p) => p.metadata!.name)).toEqual(['before']);
    await until('watch open', () => server.requests.get('watch') === 1);
    await client.createPod(pod('after', { app: 'x' }));
    await until('watched add', () => informer.get('ci', 'after'));
    server.bookmark('pods');
    server.dropWatches();
    await client.deletePod('ci', 'before');
    await until('delete seen after re-watch', () => seen.includes('rm:before'));
    expect(server.requests.get('list')).toBe(1);
    expect(seen.filter((s) => s.startsWith('up:after'))).toHaveLength(1);
    informer.stop();
  });

  it('keeps an object with finalizers until they are removed, and collects owned objects', async () => {
    const client = createKubeClient(loopbackKubeConfig(server.url));
    const run = await client.createPipelineRun('ci', {
      metadata: { name: 'r1', finalizers: ['kiln.dev/archive'] },
      spec: { pipelineRef: { name: 'p' } },
    });
    await client.createPod({
      ...pod('owned'),
      metadata: {
        ...pod('owned').metadata,
        ownerReferences: [{ apiVersion: 'kiln.dev/v1alpha1', kind: 'PipelineRun', name: 'r1', uid: run.metadata.uid! }],
      },
    });
    expect(await client.deletePipelineRun('ci', 'r1')).toBe(true);
    expect(server.get('pipelineruns', 'ci', 'r1')!.metadata.deletionTimestamp).toBeTruthy();
    expect(server.get('pods', 'ci', 'owned')).toBeDefined();
    await client.writePipelineRunStatus('ci', 'r1', { archived: true });
    expect(server.get('pipelineruns', 'ci', 'r1')!.status).toEqual({ archived: true });
    await client.setPipelineRunFinalizers('ci', 'r1', [], undefined);
    expect(server.get('pipelineruns', 'ci', 'r1')).toBeUndefined();
    expect(server.get('pods', 'ci', 'owned')).toBeUndefined();
  });

  it('ignores status on the main endpoint and spec on the status subresource', async () => {
    const client = createKubeClient(loopbackKubeConfig(server.url));
    await client.createPipelineRun('ci', { metadata: { name: 'r2' }, spec: { pipelineRef: { name: 'p' } } });
    await client.writePipelineRunStatus('ci', 'r2', { archived: false, reason: 'x' });
    await client.setPipelineRunFinalizers('ci', 'r2', ['f'], undefined);
    const r = server.get('pipelineruns', 'ci', 'r2')!;
    expect(r.status).toEqual({ archived: false, reason: 'x' });
    expect(r.metadata.finalizers).toEqual(['f']);
  });

  it('answers 410 Gone to a watch from a compacted version and the informer relists', async () => {
    await server.stop();
    server = new FakeApiServer({ history: 3 });
    await server.start();
    const client = createKubeClient(loopbackKubeConfig(server.url));
    for (let i = 0; i < 6; i++) await client.createPod(pod(`p${i}`));
    const events: { type: string; code?: number }[] = [];
    await new Promise(
      (resolve) =>
        void client.watchPods('ci', '')(
          '1',
          (e) => events.push({ type: e.type, code: (e.object as { code?: number }).code }),
          resolve,
        ),
    );
    expect(events).toEqual([{ type: 'ERROR', code: 410 }]);
    // An informer whose first list is stale (version 1) must meet the 410 and relist.
    let lists = 0;
    const list = async () => {
      const r = await client.listPods('ci', '');
      return ++lists === 1 ? { ...r, metadata: { resourceVersion: '1' } } : r;
    };
    const informer = new Informer(list, client.watchPods('ci', ''), { upsert() {}, remove() {} });
    await informer.start();
    await until('relist after 410', () => lists === 2);
    await client.createPod(pod('late'));
    await until('watch resumed after relist', () => informer.get('ci', 'late'));
    informer.stop();
  });
});

describe('patches', () => {
  it('merge patch deletes nulls and merges objects', () => {
    expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: 5 } })).toEqual({ b: { c: 5, d: 3 } });
  });
  it('JSON patch adds, replaces, removes, tests; rejects bad paths', () => {
    expect(
      applyJsonPatch({ a: [1, 2] }, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/a/0', value: 9 },
        { op: 'remove', path: '/a/1' },
      ]),
    ).toEqual({ a: [9, 3] });
    expect(() => applyJsonPatch({}, [{ op: 'remove', path: '/x' }])).toThrow(/missing/);
    expect(() => applyJsonPatch({}, [{ op: 'add', path: '/x/y', value: 1 }])).toThrow(/no parent/);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test failed/);
  });
});

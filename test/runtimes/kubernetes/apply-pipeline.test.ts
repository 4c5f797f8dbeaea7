// The client's applyPipeline, what `kiln apply` sends a called file with: created once, left alone
// when applied again unchanged, its spec put back when it was changed in the cluster since.
import { afterEach, describe, expect, it } from 'vitest';
import { NS, startHarness, type Harness } from '../../../testkit/k8s-harness.js';

let h: Harness;
afterEach(() => h?.close());

describe('applyPipeline', () => {
  it('creates, leaves an unchanged Pipeline alone, and puts back a changed spec whole', async () => {
    h = await startHarness({ collector: false });
    const spec = { name: 'deploy', tasks: { push: { image: 'busybox', steps: [{ run: 'echo 1' }] } } };
    const pipeline = {
      apiVersion: 'kiln.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'deploy-0123456789' },
      spec,
    };
    expect(await h.client.applyPipeline(NS, pipeline)).toBe('created');
    const version = h.server.get('pipelines', NS, 'deploy-0123456789')!.metadata.resourceVersion;
    expect(await h.client.applyPipeline(NS, pipeline)).toBe('unchanged');
    expect(h.server.get('pipelines', NS, 'deploy-0123456789')!.metadata.resourceVersion).toBe(version);

    // Edited in the cluster (a task added): applied again, the spec is the file's again, nothing merged in.
    await fetch(`${h.server.url}/apis/kiln.dev/v1alpha1/namespaces/${NS}/pipelines/deploy-0123456789`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { tasks: { extra: { image: 'busybox', steps: [{ run: 'x' }] } } } }),
    });
    expect(await h.client.applyPipeline(NS, pipeline)).toBe('replaced');
    expect(h.server.get('pipelines', NS, 'deploy-0123456789')!.spec).toEqual(spec);
  });
});

// An approval gate on Kubernetes: the controller creates no Pod for it, waits on the collector's
// decision (a person's named token), and goes on to the next task's Pod once it is approved.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { mintPersonToken } from '../../collector/index.js';
import { CollectorClient } from '../../collector/client/index.js';
import { finishPod } from './kubelet.js';
import { NS, pipelineRun, startHarness, type Harness } from '../../testkit/k8s-harness.js';
import { until } from '../../testkit/kubeconfig.js';

let h: Harness;
afterEach(() => h?.close());

const SPEC = {
  tasks: {
    build: { image: 'busybox', steps: [{ run: 'true' }] },
    gate: { needs: ['build'], approval: { message: 'ship?', approvers: ['release'] } },
    ship: { needs: ['gate'], image: 'busybox', steps: [{ run: 'true' }] },
  },
};

describe('approval gates under the controller', () => {
  it('holds no Pod while waiting, and runs the next task once approved', async () => {
    h = await startHarness();
    await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('g1', SPEC));
    await until('pod build', () => h.server.get('pods', NS, 'g1-build'));
    finishPod(h.server, NS, 'g1-build', [{ exitCode: 0 }]);
    const reader = new CollectorClient(h.collectorUrl, h.collector!.readerToken);
    await until('gate waiting at the collector', async () => {
      const gate = (await reader.getRun(h.runId('g1')))?.tasks.find((t) => t.name === 'gate');
      return gate?.status === 'Running';
    });
    expect(h.server.list('pods', NS).map((p) => p.metadata.name)).toEqual(['g1-build']);
    const alice = mintPersonToken('test-collector-secret', { name: 'alice', groups: ['release'] });
    const res = await request(`${h.collectorUrl}/v1/runs/${h.runId('g1')}/approvals/gate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', comment: 'go' }),
    });
    expect(res.statusCode).toBe(200);
    await until('pod ship', () => h.server.get('pods', NS, 'g1-ship'));
    finishPod(h.server, NS, 'g1-ship', [{ exitCode: 0 }]);
    await until('archived', () => (h.server.get('pipelineruns', NS, 'g1')?.status as { archived?: boolean })?.archived);
    const record = (await reader.getRun(h.runId('g1')))!;
    expect(record.status).toBe('Succeeded');
    expect(record.tasks.find((t) => t.name === 'gate')).toMatchObject({
      status: 'Succeeded',
      reason: 'Approved',
      approval: { decision: 'approved', by: 'alice', comment: 'go' },
    });
  });
});

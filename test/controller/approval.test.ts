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

  it('takes up a decision made while no controller ran: the restarted one goes on at once', async () => {
    h = await startHarness();
    const first = await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('g2', SPEC));
    await until('pod build', () => h.server.get('pods', NS, 'g2-build'));
    finishPod(h.server, NS, 'g2-build', [{ exitCode: 0 }]);
    const reader = new CollectorClient(h.collectorUrl, h.collector!.readerToken);
    const gate = async () => (await reader.getRun(h.runId('g2')))?.tasks.find((t) => t.name === 'gate');
    await until('gate waiting at the collector', async () => (await gate())?.status === 'Running');
    first.stop();
    const bob = mintPersonToken('test-collector-secret', { name: 'bob', groups: ['release'] });
    const res = await new CollectorClient(h.collectorUrl, bob).decideApproval(h.runId('g2'), 'gate', {
      decision: 'approve',
    });
    expect(res.approval).toMatchObject({ decision: 'approved', by: 'bob' });
    expect(h.server.get('pods', NS, 'g2-ship')).toBeUndefined(); // nothing acted on it yet
    await h.controller();
    await until('pod ship', () => h.server.get('pods', NS, 'g2-ship'));
    finishPod(h.server, NS, 'g2-ship', [{ exitCode: 0 }]);
    await until('archived', () => (h.server.get('pipelineruns', NS, 'g2')?.status as { archived?: boolean })?.archived);
    expect(await gate()).toMatchObject({ status: 'Succeeded', reason: 'Approved', approval: { by: 'bob' } });
  });

  it('fails the PipelineRun on a rejection, skipping what comes after the gate', async () => {
    h = await startHarness();
    await h.controller();
    await h.client.createPipelineRun(NS, pipelineRun('g3', SPEC));
    await until('pod build', () => h.server.get('pods', NS, 'g3-build'));
    finishPod(h.server, NS, 'g3-build', [{ exitCode: 0 }]);
    const reader = new CollectorClient(h.collectorUrl, h.collector!.readerToken);
    await until('gate waiting', async () => (await reader.getRun(h.runId('g3')))?.tasks[1]?.status === 'Running');
    const carol = mintPersonToken('test-collector-secret', { name: 'carol', groups: ['release'] });
    await new CollectorClient(h.collectorUrl, carol).decideApproval(h.runId('g3'), 'gate', {
      decision: 'reject',
      comment: 'freeze',
    });
    await until('archived', () => (h.server.get('pipelineruns', NS, 'g3')?.status as { archived?: boolean })?.archived);
    const record = (await reader.getRun(h.runId('g3')))!;
    expect(record.status).toBe('Failed');
    expect(record.tasks.map((t) => [t.name, t.status, t.reason])).toEqual([
      ['build', 'Succeeded', undefined],
      ['gate', 'Failed', 'Rejected'],
      ['ship', 'Skipped', 'PipelineFailing'],
    ]);
    expect(record.tasks[1]!.approval).toMatchObject({ decision: 'rejected', by: 'carol', comment: 'freeze' });
    const conditions = (h.server.get('pipelineruns', NS, 'g3')?.status as { conditions?: { status: string }[] })
      ?.conditions;
    expect(conditions?.[0]?.status).toBe('False');
  });
});

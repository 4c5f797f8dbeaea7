// The controller's webhook endpoint against the in-test API server: a Trigger resource, its secret
// in the kiln-webhook-secrets Secret, and a signed delivery becoming a PipelineRun with the same
// decision as kiln serve's (triggers/); a redelivery finds its PipelineRun; cancelInProgress
// cancels the group's unfinished runs; a bad signature creates nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  triggerFromResource,
  TRIGGER_LABELS,
  type DeliveryRecord,
  type TriggerResource,
} from '../../triggers/index.js';
import {
  DeliveryLog,
  HookServer,
  hookKube,
  GROUP_KEYS,
  listDeliveries,
  WEBHOOK_SECRETS,
} from '../../controller/index.js';
import { FakeApiServer } from '../../testkit/fake-apiserver.js';
import { loopbackKubeConfig } from '../../testkit/kubeconfig.js';
import { deliver } from '../../testkit/kiln-serve.js';

const SECRET = 'cluster-hook-secret';
let api: FakeApiServer;
let hooks: HookServer;
let url: string;
const lines: string[] = [];

async function create(plural: string, namespace: string, body: object, group = 'kiln.dev/v1alpha1') {
  const prefix = group === 'v1' ? '/api/v1' : `/apis/${group}`;
  const res = await fetch(`${api.url}${prefix}/namespaces/${namespace}/${plural}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(201);
}

beforeAll(async () => {
  api = new FakeApiServer();
  await api.start();
  await create(
    'secrets',
    'kiln',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: WEBHOOK_SECRETS, namespace: 'kiln' },
      data: { web: Buffer.from(SECRET + '\n').toString('base64') },
    },
    'v1',
  );
  const trigger = (name: string, spec: object) =>
    create('triggers', 'team-a', {
      apiVersion: 'kiln.dev/v1alpha1',
      kind: 'Trigger',
      metadata: { name, namespace: 'team-a' },
      spec,
    });
  await trigger('web-push', {
    pipeline: 'web-app',
    source: 'github',
    secretKey: 'web',
    events: ['push'],
    branches: ['main'],
    filter: { cel: "!body.head_commit.message.contains('[skip ci]')" },
    params: { revision: '$(body.after)' },
    concurrency: { group: '$(delivery.branch)', cancelInProgress: true },
  });
  await trigger('broken', { pipeline: 'web-app', source: 'githib', secretKey: 'web' });
  hooks = new HookServer({
    kube: hookKube(loopbackKubeConfig(api.url, 'team-a')),
    namespace: 'team-a',
    secretsNamespace: 'kiln',
    maxBodyBytes: 64 * 1024,
    log: (l) => lines.push(l),
  });
  url = await hooks.listen('127.0.0.1', 0);
});
afterAll(async () => {
  await hooks?.close();
  await api?.stop();
});

const push = (after: string, message = 'change') => ({
  ref: 'refs/heads/main',
  after,
  head_commit: { message },
  repository: { full_name: 'acme/web' },
});
const runs = () => api.list('pipelineruns', 'team-a');

describe('controller webhook endpoint', () => {
  it('a signed push becomes a PipelineRun of the named Pipeline with the params; a redelivery creates nothing', async () => {
    const d = await deliver(url, 'web-push', { source: 'github', secret: SECRET, id: 'k8s-1', body: push('f1') });
    expect(d).toMatchObject({ status: 202, body: { outcome: 'accepted' } });
    const [run] = runs();
    expect(run).toMatchObject({
      metadata: {
        name: d.body.run,
        labels: { [TRIGGER_LABELS.trigger]: 'web-push' },
        annotations: { [TRIGGER_LABELS.delivery]: 'k8s-1', [GROUP_KEYS.group]: 'main' },
      },
      spec: { pipelineRef: { name: 'web-app' }, params: { revision: 'f1' } },
    });
    const again = await deliver(url, 'web-push', { source: 'github', secret: SECRET, id: 'k8s-1', body: push('f1') });
    expect(again).toMatchObject({ status: 200, body: { outcome: 'filtered', duplicate: true, run: d.body.run } });
    const also = await deliver(url, 'team-a/web-push', {
      source: 'github',
      secret: SECRET,
      id: 'k8s-1',
      body: push('f1'),
    });
    expect(also.body).toMatchObject({ duplicate: true });
    expect(runs()).toHaveLength(1);
  });

  it('cancelInProgress cancels the unfinished runs of the group', async () => {
    const first = runs()[0]!.metadata.name;
    const d = await deliver(url, 'web-push', { source: 'github', secret: SECRET, id: 'k8s-2', body: push('f2') });
    expect(d.status).toBe(202);
    expect(api.get('pipelineruns', 'team-a', first!)?.spec).toMatchObject({ status: 'Cancelled' });
    // The new run waits its turn in the group: the reconciler starts it once the cancelled run has ended.
    expect(api.get('pipelineruns', 'team-a', d.body.run as string)?.spec).toMatchObject({
      status: 'PipelineRunPending',
    });
    expect(lines).toContain(`run ${first} cancelled: superseded by run ${d.body.run}`);
  });

  it('refuses a bad signature, filters by the CEL filter, and says what is wrong with a Trigger', async () => {
    const before = runs().length;
    expect(
      await deliver(url, 'web-push', { source: 'github', secret: 'wrong', id: 'k8s-3', body: push('f3') }),
    ).toMatchObject({ status: 401, body: { outcome: 'refused' } });
    expect(
      await deliver(url, 'web-push', {
        source: 'github',
        secret: SECRET,
        id: 'k8s-4',
        body: push('f4', 'docs [skip ci]'),
      }),
    ).toMatchObject({ status: 200, body: { outcome: 'filtered' } });
    const broken = await deliver(url, 'broken', { source: 'github', secret: SECRET, id: 'k8s-5', body: push('f5') });
    expect(broken).toMatchObject({
      status: 422,
      body: { error: expect.stringContaining('source "githib" is not one of github, gitlab, gitea, generic') },
    });
    expect((await deliver(url, 'nope', { source: 'github', secret: SECRET, body: push('f6') })).status).toBe(404);
    expect(runs()).toHaveLength(before);
    // Every delivery is a TriggerDelivery in the Trigger's namespace, in arrival order here.
    const recorded = api.list('triggerdeliveries', 'team-a').map((d) => d.spec as DeliveryRecord);
    expect(recorded.map((r) => r.outcome)).toEqual([
      'accepted',
      'filtered',
      'filtered',
      'accepted',
      'refused',
      'filtered',
      'refused',
      'refused',
    ]);
    expect(recorded[1]).toMatchObject({ trigger: 'web-push', deliveryId: 'k8s-1', runId: recorded[0]!.runId });
    expect(recorded[4]).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('x-hub-signature-256') });
    expect(recorded[5]).toMatchObject({ outcome: 'filtered', reason: expect.stringContaining('filter') });
    expect(recorded[7]).toMatchObject({ trigger: 'nope', reason: 'no Trigger nope in namespace team-a' });
    const newest = await listDeliveries(hookKube(loopbackKubeConfig(api.url, 'team-a')), 'team-a', {
      trigger: 'web-push',
      limit: 2,
    });
    expect(newest.map((r) => r.deliveryId)).toEqual(['k8s-4', 'k8s-3']);
  });
});

it('the example Trigger in deploy/ reads as a trigger', () => {
  const doc = parse(
    readFileSync(new URL('../../deploy/examples/trigger.yaml', import.meta.url), 'utf8'),
  ) as TriggerResource;
  const { trigger, secretKey } = triggerFromResource(doc);
  expect(secretKey).toBe('web-app');
  expect(trigger).toMatchObject({
    name: 'web-app-push',
    pipeline: 'web-app',
    source: 'github',
    branches: ['main', 'release/*'],
    status: { api: 'https://api.github.com', tokenSecretKey: 'github-token', context: 'kiln/web-app' },
  });
});

it('the delivery log keeps the newest of a namespace, deleting the older ones as it goes', async () => {
  const kube = hookKube(loopbackKubeConfig(api.url, 'team-b'));
  const log = new DeliveryLog(kube, () => {}, { keep: 3, pruneEvery: 2 });
  for (let i = 0; i < 6; i++)
    await log.record('team-b', {
      trigger: 't',
      deliveryId: `d${i}`,
      receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      outcome: 'filtered',
      reason: 'branch',
    });
  expect((await listDeliveries(kube, 'team-b', { limit: 10 })).map((d) => d.deliveryId)).toEqual(['d5', 'd4', 'd3']);
});

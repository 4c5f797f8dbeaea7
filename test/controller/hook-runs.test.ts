// Triggered runs through the whole controller, against the in-test API server (the test playing
// kubelet) and a forge API written for the tests (testkit/fake-forge.ts): a signed delivery to
// the webhook endpoint becomes a PipelineRun, the reconciler runs it and posts its commit
// statuses (pending, then success) with the run's link; a forge that is down is retried and shown
// on the run (an Event, the annotation kiln.dev/commit-status) while the run still succeeds; and
// runs of one concurrency group queue, visibly pending, and start one at a time in arrival order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookServer, hookKube, kubeCommitStatuses, WEBHOOK_SECRETS } from '../../controller/index.js';
import type { KilnController } from '../../controller/index.js';
import type { KubeObject } from '../../testkit/fake-apiserver.js';
import { startFakeForge, type FakeForge } from '../../testkit/fake-forge.js';
import { NS, startHarness, type Harness } from '../../testkit/k8s-harness.js';
import { deliver } from '../../testkit/kiln-serve.js';
import { loopbackKubeConfig, until } from '../../testkit/kubeconfig.js';
import { finishPod, runPod } from './kubelet.js';

const SECRET = 'hook-secret';
const TOKEN = 'forge-token-123';
let h: Harness;
let forge: FakeForge;
let hooks: HookServer;
let url: string;
let controller: KilnController;
let tokenDir: string;

async function create(plural: string, namespace: string, body: object, group = 'kiln.dev/v1alpha1') {
  const prefix = group === 'v1' ? '/api/v1' : `/apis/${group}`;
  const res = await fetch(`${h.server.url}${prefix}/namespaces/${namespace}/${plural}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(201);
}

const trigger = (name: string, spec: object) =>
  create('triggers', NS, { apiVersion: 'kiln.dev/v1alpha1', kind: 'Trigger', metadata: { name }, spec });

beforeAll(async () => {
  h = await startHarness();
  forge = await startFakeForge();
  const secretData = { web: SECRET, 'forge-token': TOKEN + '\n' };
  await create(
    'secrets',
    'kiln',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: WEBHOOK_SECRETS },
      data: Object.fromEntries(Object.entries(secretData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    },
    'v1',
  );
  await create('pipelines', NS, {
    apiVersion: 'kiln.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'web' },
    spec: { params: { revision: { type: 'string' } }, tasks: { t: { image: 'busybox', steps: [{ run: 'echo hi' }] } } },
  });
  const common = { pipeline: 'web', source: 'github', secretKey: 'web', params: { revision: '$(body.after)' } };
  await trigger('statused', {
    ...common,
    status: { api: forge.url, tokenSecretKey: 'forge-token', context: 'kiln/web' },
  });
  await trigger('queued', { ...common, concurrency: { group: '$(delivery.branch)' } });
  tokenDir = mkdtempSync(join(tmpdir(), 'kiln-hook-token-'));
  writeFileSync(join(tokenDir, 'token'), 'token-from-a-file\n');
  await trigger('file-token', {
    ...common,
    status: { api: forge.url, tokenFile: join(tokenDir, 'token'), context: 'kiln/web' },
  });
  await trigger('no-pipeline', {
    ...common,
    pipeline: 'missing',
    status: { api: forge.url, tokenSecretKey: 'forge-token', context: 'kiln/web' },
  });
  const kc = loopbackKubeConfig(h.server.url, NS);
  controller = await h.controller({
    commitStatuses: kubeCommitStatuses(hookKube(kc), 'kiln', { attempts: 2, baseMs: 10, timeoutMs: 5000 }),
  });
  hooks = new HookServer({
    kube: hookKube(kc),
    namespace: NS,
    secretsNamespace: 'kiln',
    maxBodyBytes: 64 * 1024,
    log: () => {},
  });
  url = await hooks.listen('127.0.0.1', 0);
});
afterAll(async () => {
  await hooks?.close();
  await forge?.close();
  await h?.close();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

const push = (after: string, branch = 'main') => ({
  ref: `refs/heads/${branch}`,
  after,
  head_commit: { message: 'change' },
  repository: { full_name: 'acme/web' },
});
const run = (name: string) => h.server.get('pipelineruns', NS, name);
const pod = (name: string) => h.server.get('pods', NS, `${name}-t`);
const condition = (r: KubeObject | undefined) =>
  (r?.status as { conditions?: { status: string; reason: string; message: string }[] } | undefined)?.conditions?.[0];
const annotation = (name: string, key: string) => run(name)?.metadata.annotations?.[key];
const events = (name: string) =>
  h.server
    .list('events', NS)
    .filter((e) => (e as unknown as { involvedObject: { name: string } }).involvedObject.name === name)
    .map((e) => e as unknown as { type: string; reason: string; message: string });

async function finish(name: string) {
  await until(`pod of ${name}`, () => pod(name));
  runPod(h.server, NS, `${name}-t`);
  finishPod(h.server, NS, `${name}-t`, [{ exitCode: 0 }]);
  await until(`${name} ends`, () => condition(run(name))?.status === 'True');
}

describe('triggered runs on Kubernetes', () => {
  it('post pending when the run starts and success when it ends, with the run link, token from the Secret', async () => {
    const sha = 'a1'.repeat(20);
    const d = await deliver(url, 'statused', { source: 'github', secret: SECRET, id: 'st-1', body: push(sha) });
    expect(d.status).toBe(202);
    const name = d.body.run as string;
    const pending = await forge.waitFor((s) => s.path.endsWith(sha) && s.body.state === 'pending');
    expect(run(name)?.metadata.annotations).toMatchObject({ 'kiln.dev/sha': sha, 'kiln.dev/repo': 'acme/web' });
    expect(pending).toMatchObject({
      path: `/repos/acme/web/statuses/${sha}`,
      token: TOKEN,
      body: { context: 'kiln/web', target_url: expect.stringContaining(encodeURIComponent(h.runId(name))) },
    });
    await finish(name);
    const done = await forge.waitFor((s) => s.path.endsWith(sha) && s.body.state === 'success');
    expect(done.body.target_url).toBe(pending.body.target_url);
    await until('annotation', () => annotation(name, 'kiln.dev/commit-status') === 'success: posted');
    expect(
      events(name)
        .filter((e) => e.reason === 'CommitStatus')
        .map((e) => e.message),
    ).toEqual([expect.stringMatching(/^pending: posted/), expect.stringMatching(/^success: posted/)]);
  });

  it('retries a forge that is down and shows it on the run, which still succeeds', async () => {
    const sha = 'b2'.repeat(20);
    forge.failNext(1000);
    const d = await deliver(url, 'statused', { source: 'github', secret: SECRET, id: 'st-2', body: push(sha) });
    const name = d.body.run as string;
    await finish(name);
    await until('annotation', () => annotation(name, 'kiln.dev/commit-status')?.startsWith('success:'));
    forge.failNext(0);
    expect(annotation(name, 'kiln.dev/commit-status')).toMatch(
      /^success: not posted after 2 attempt\(s\): HTTP 500: .*bad day/,
    );
    expect(condition(run(name))).toMatchObject({ status: 'True', reason: 'Succeeded' });
    const failed = events(name).filter((e) => e.reason === 'CommitStatusFailed');
    expect(failed.map((e) => [e.type, e.message.split(':')[0]])).toEqual([
      ['Warning', 'pending'],
      ['Warning', 'success'],
    ]);
    expect(forge.statuses.filter((s) => s.path.endsWith(sha))).toEqual([]);
  });

  it("reads the token from a file in the controller's container when the Trigger says tokenFile", async () => {
    const sha = 'f6'.repeat(20);
    const d = await deliver(url, 'file-token', { source: 'github', secret: SECRET, id: 'ft-1', body: push(sha) });
    const pending = await forge.waitFor((s) => s.path.endsWith(sha));
    expect(pending).toMatchObject({ token: 'token-from-a-file', body: { state: 'pending' } });
    await finish(d.body.run as string);
  });

  it('posts failure for a run that cannot start (its Pipeline is missing)', async () => {
    const sha = 'e5'.repeat(20);
    const d = await deliver(url, 'no-pipeline', { source: 'github', secret: SECRET, id: 'np-1', body: push(sha) });
    const name = d.body.run as string;
    const failure = await forge.waitFor((s) => s.path.endsWith(sha));
    expect(failure.body).toMatchObject({ state: 'failure', description: 'missing Failed' });
    await until('refused', () => condition(run(name))?.reason === 'InvalidPipelineRun');
    expect(annotation(name, 'kiln.dev/commit-status')).toBe('failure: posted');
  });

  it('queues the runs of one concurrency group: one runs, the others wait pending, then start in order', async () => {
    const names: string[] = [];
    for (const [i, sha] of ['c1', 'c2', 'c3'].entries()) {
      const d = await deliver(url, 'queued', { source: 'github', secret: SECRET, id: `q-${i}`, body: push(sha) });
      expect(d.status).toBe(202);
      names.push(d.body.run as string);
    }
    const other = await deliver(url, 'queued', {
      source: 'github',
      secret: SECRET,
      id: 'q-x',
      body: push('d1', 'dev'),
    });
    const [first, second, third] = names as [string, string, string];
    // Another group is not held up by this one.
    await until('the other group runs', () => pod(other.body.run as string));
    await until('first runs', () => pod(first));
    for (const n of [second, third]) {
      await until(`${n} shown queued`, () => condition(run(n))?.reason === 'PipelineRunPending');
      expect(run(n)?.spec).toMatchObject({ status: 'PipelineRunPending' });
      expect(condition(run(n))).toMatchObject({ status: 'Unknown', message: expect.stringContaining('"main"') });
      expect(events(n).map((e) => e.reason)).toContain('Queued');
      // The collector shows it Queued too (kiln runs --status queued, the web UI).
      expect(await h.collector!.store.getRun(h.runId(n))).toMatchObject({ status: 'Queued', name: 'web' });
    }
    await controller.idle();
    expect(pod(second)).toBeUndefined();
    await finish(first);
    await until('second runs', () => pod(second));
    expect(pod(third)).toBeUndefined();
    expect(run(third)?.spec).toMatchObject({ status: 'PipelineRunPending' });
    await finish(second);
    await finish(third);
    // The Queued record became the run's: the same id, now Succeeded.
    await until(
      'third archived',
      async () => (await h.collector!.store.getRun(h.runId(third)))?.status === 'Succeeded',
    );
  });
});

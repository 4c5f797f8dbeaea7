// Webhook triggers on a real Kubernetes control plane (scripts/k8s-env.sh: kube-apiserver with
// RBAC, the podman test node, a collector) with `kiln controller --hooks-listen` as a process with
// deploy/'s ServiceAccount identity, so deploy/'s CRDs and RBAC are what is tested: signed
// deliveries become PipelineRuns, two of one concurrency group run one after the other (the second
// pending meanwhile), each posts its commit statuses to a forge API written for the tests
// (testkit/fake-forge.ts), and every delivery is in the delivery log `kiln triggers deliveries
// --namespace` reads.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient, type PipelineRunResource } from '../../../runtimes/kubernetes/index.js';
import { startFakeForge, type FakeForge } from '../../../testkit/fake-forge.js';
import {
  ensureStepImage,
  startController,
  startK8sEnv,
  type ControllerProcess,
  type K8sEnv,
} from '../../../testkit/k8s-env.js';
import { deliver } from '../../../testkit/kiln-serve.js';
import { REPO } from '../../../testkit/kiln-cli.js';
import { until } from '../../../testkit/kubeconfig.js';

const exec = promisify(execFile);
const SECRET = 'e2e-hook-secret';
const TOKEN = 'e2e-forge-token';
let k: K8sEnv;
let client: KubeClient;
let ctl: ControllerProcess;
let forge: FakeForge;
let hooks: string;

beforeAll(async () => {
  const image = await ensureStepImage();
  k = await startK8sEnv({ controller: false });
  client = createKubeClient(k.admin);
  forge = await startFakeForge();
  const apply = async (doc: object) => {
    const file = join(k.dir, `doc-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(doc));
    await k.kubectl('apply', '-f', file);
  };
  await k.kubectl(
    '-n',
    'kiln',
    'create',
    'secret',
    'generic',
    'kiln-webhook-secrets',
    `--from-literal=web=${SECRET}`,
    `--from-literal=forge-token=${TOKEN}`,
  );
  await apply({
    apiVersion: 'kiln.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'web', namespace: k.namespace },
    spec: {
      params: { revision: { type: 'string' } },
      tasks: { t: { image, steps: [{ run: 'echo at $(params.revision); sleep 3' }] } },
    },
  });
  await apply({
    apiVersion: 'kiln.dev/v1alpha1',
    kind: 'Trigger',
    metadata: { name: 'web-push', namespace: k.namespace },
    spec: {
      pipeline: 'web',
      source: 'github',
      secretKey: 'web',
      params: { revision: '$(body.after)' },
      concurrency: { group: '$(delivery.branch)' },
      status: { api: forge.url, tokenSecretKey: 'forge-token', context: 'kiln/e2e' },
    },
  });
  ctl = startController(k, k.controllerKubeconfig(), ['--hooks-listen', '127.0.0.1:0'], { POD_NAMESPACE: 'kiln' });
  hooks = await until(
    'the webhook endpoint',
    () => /webhook triggers on (http:\/\/\S+)\/v1\/hooks\//.exec(ctl.stderr())?.[1],
    60_000,
  );
}, 3_600_000);

afterAll(async () => {
  await ctl?.stop();
  await forge?.close();
  await k?.stop();
}, 120_000);

const getRun = async (name: string) =>
  (await client.listPipelineRuns(k.namespace)).items.find((r) => r.metadata.name === name);
const cond = (r: PipelineRunResource | undefined) => r?.status?.conditions?.[0];
const push = (after: string) => ({ ref: 'refs/heads/main', after, repository: { full_name: 'acme/web' } });

describe('triggers on a real API server', () => {
  it('a group runs one at a time; each run posts pending then success; every delivery is logged', async () => {
    const [shaA, shaB] = ['a'.repeat(40), 'b'.repeat(40)];
    const a = await deliver(hooks, `${k.namespace}/web-push`, {
      source: 'github',
      secret: SECRET,
      id: 'e2e-a',
      body: push(shaA),
    });
    const b = await deliver(hooks, `${k.namespace}/web-push`, {
      source: 'github',
      secret: SECRET,
      id: 'e2e-b',
      body: push(shaB),
    });
    const bad = await deliver(hooks, `${k.namespace}/web-push`, {
      source: 'github',
      secret: 'nope',
      id: 'e2e-c',
      body: push(shaB),
    });
    expect([a.status, b.status, bad.status]).toEqual([202, 202, 401]);
    const [runA, runB] = [a.body.run as string, b.body.run as string];

    // B waits, visibly, while A runs (the step takes seconds: B is pending from its creation until A ends).
    const waiting = await until(
      'B shown pending',
      async () => {
        const r = await getRun(runB);
        return cond(r)?.reason === 'PipelineRunPending' ? r : undefined;
      },
      60_000,
    );
    expect(waiting.spec.status).toBe('PipelineRunPending');
    expect(await k.kubectl('-n', k.namespace, 'get', 'kpr', runB)).toMatch(/PipelineRunPending/);

    for (const name of [runA, runB])
      await until(`${name} succeeded`, async () => cond(await getRun(name))?.reason === 'Succeeded', 180_000);
    const [endA, endB] = [await getRun(runA), await getRun(runB)];
    // B started only after A had ended.
    expect(Date.parse(endB!.status!.startTime!)).toBeGreaterThanOrEqual(Date.parse(endA!.status!.completionTime!));
    expect(endA!.metadata.annotations?.['kiln.dev/commit-status']).toBe('success: posted');

    await forge.waitFor((s) => s.path.endsWith(shaB) && s.body.state === 'success');
    expect(forge.statuses.map((s) => [s.path.slice(-40)[0], s.body.state, s.token])).toEqual([
      ['a', 'pending', TOKEN],
      ['a', 'success', TOKEN],
      ['b', 'pending', TOKEN],
      ['b', 'success', TOKEN],
    ]);
    expect(forge.statuses[0]!.body.target_url).toContain(encodeURIComponent(endA!.status!.runId!));

    const { stdout } = await exec(
      process.execPath,
      [join(REPO, 'dist/kiln.mjs'), 'triggers', 'deliveries', '--namespace', k.namespace, '-o', 'json'],
      { env: k.env, timeout: 60_000 },
    );
    const log = (JSON.parse(stdout) as { deliveryId: string; outcome: string; runId?: string }[]).map((d) => [
      d.deliveryId,
      d.outcome,
      d.runId,
    ]);
    expect(log).toEqual([
      ['e2e-c', 'refused', undefined],
      ['e2e-b', 'accepted', runB],
      ['e2e-a', 'accepted', runA],
    ]);
  });
});

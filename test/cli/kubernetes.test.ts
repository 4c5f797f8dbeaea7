// `kiln render`, `kiln export`, `kiln apply` and `kiln controller` as a user runs them: a real
// process (the CLI's TypeScript entry under tsx, so no stale build is tested), a real kubeconfig
// file pointing at the loopback API server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { FakeApiServer } from '../../testkit/fake-apiserver.js';
import { HookServer, hookKube, WEBHOOK_SECRETS } from '../../controller/index.js';
import { deliver } from '../../testkit/kiln-serve.js';
import { loopbackKubeConfig, until } from '../../testkit/kubeconfig.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURE = 'test/export/fixtures/export-pipeline.yaml';
let server: FakeApiServer;
let dir: string;
let env: NodeJS.ProcessEnv;

function kiln(args: string[], opts: { onStderr?: (text: string) => void } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/entry.ts', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    opts.onStderr?.(stderr);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}
const run = (...args: string[]) => kiln(args).done;

beforeAll(async () => {
  server = new FakeApiServer();
  await server.start();
  dir = mkdtempSync(join(tmpdir(), 'kiln-k8s-cli-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      clusters: [{ name: 'loop', cluster: { server: server.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'me', user: { token: 't' } }],
      contexts: [{ name: 'test', context: { cluster: 'loop', user: 'me', namespace: 'team-a' } }],
    }),
  );
  env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig };
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kiln render', () => {
  it('prints the Pod of one task, upstream results shown as references', async () => {
    const r = await run('render', FIXTURE, '--task', 'b', '--param', 'who=kiln', '--namespace', 'ci');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pod = parse(r.stdout);
    expect(pod).toMatchObject({ kind: 'Pod', metadata: { name: 'web-render-b', namespace: 'ci' } });
    expect(pod.metadata.annotations['kiln.dev/script-0']).toBe('#!/bin/sh\necho $(tasks.a.results.v)');
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['step-step-1', 'step-step-2']);
  });

  it('names an unknown task with a suggestion, exit 2', async () => {
    const r = await run('render', FIXTURE, '--task', 'bb');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kiln: pipeline "web" has no task "bb"\n  hint: did you mean "b"?\n');
    expect(r.stdout).toBe('');
  });
});

describe('kiln export', () => {
  it('writes the Tekton documents', async () => {
    const r = await run('export', '--to', 'tekton', FIXTURE);
    expect(r.code).toBe(0);
    expect(parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind)).toEqual([
      'Task',
      'Task',
      'Task',
      'Pipeline',
      'PipelineRun',
    ]);
  });

  it('writes a multi-line script as a literal block, a long line unfolded', async () => {
    const file = join(dir, 'script.yaml');
    const long = `echo ${'x'.repeat(120)}`;
    writeFileSync(
      file,
      `name: s\ntasks:\n  a:\n    image: busybox\n    steps:\n      - run: |\n          echo one\n          ${long}\n`,
    );
    const r = await run('export', '--to', 'tekton', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`      script: |\n        echo one\n        ${long}\n`);
  });

  it('refuses an unknown target', async () => {
    const r = await run('export', '--to', 'jenkins', FIXTURE);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to jenkins: unknown target');
    expect(r.stderr).toContain('tekton, github-actions, argo');
  });
});

describe('kiln apply', () => {
  it('creates a PipelineRun embedding the pipeline in the kubeconfig namespace', async () => {
    const r = await run('apply', FIXTURE, '--param', 'who=kiln');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [created] = server.list('pipelineruns', 'team-a');
    expect(r.stdout).toBe(`pipelinerun.kiln.dev/${created.metadata.name} created in namespace team-a\n`);
    expect(created.metadata.name).toMatch(/^web-/);
    expect(created.spec).toMatchObject({
      params: { who: 'kiln' },
      pipelineSpec: { name: 'web', tasks: { a: { image: 'busybox' } } },
    });
  });

  it('checks params before contacting the cluster', async () => {
    const before = server.totalRequests();
    const r = await run('apply', FIXTURE, '--param', 'nobody=1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nobody/);
    expect(server.totalRequests()).toBe(before);
  });
});

describe('kiln controller', () => {
  it('runs against the kubeconfig cluster, creates the first Pod, stops on SIGTERM', async () => {
    const { child, done } = kiln([
      'controller',
      '--namespace',
      'ops',
      '--metrics-listen',
      '127.0.0.1:0',
      '--qps',
      '50',
    ]);
    const res = await fetch(`${server.url}/apis/kiln.dev/v1alpha1/namespaces/ops/pipelineruns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'kiln.dev/v1alpha1',
        kind: 'PipelineRun',
        metadata: { name: 'cli-run' },
        spec: { pipelineSpec: { tasks: { only: { image: 'busybox', steps: [{ run: 'true' }] } } } },
      }),
    });
    expect(res.status).toBe(201);
    await until('the first Pod', () => server.get('pods', 'ops', 'cli-run-only'), 20_000);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('kiln controller: watching ops (workers 2, qps 50, burst 10)');
  }, 30_000);

  it('refuses a bad flag before contacting the cluster', async () => {
    const r = await run('controller', '--workers', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kiln: --workers 0: give a number above 0 and at most 256\n');
    const attempts = await run('controller', '--status-attempts', '1.5');
    expect(attempts.code).toBe(2);
    expect(attempts.stderr).toBe('kiln: --status-attempts 1.5: give a whole number of tries\n');
  });
});

describe('kiln triggers deliveries --namespace', () => {
  it("lists the cluster's delivery log: what the controller's endpoint accepted, filtered out and refused", async () => {
    const post = async (path: string, body: object) =>
      expect(
        (
          await fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status,
      ).toBe(201);
    await post('/api/v1/namespaces/kiln/secrets', {
      kind: 'Secret',
      metadata: { name: WEBHOOK_SECRETS },
      data: { hook: Buffer.from('s3cret').toString('base64') },
    });
    await post('/apis/kiln.dev/v1alpha1/namespaces/team-a/triggers', {
      kind: 'Trigger',
      metadata: { name: 'on-push' },
      spec: { pipeline: 'web', source: 'github', secretKey: 'hook', branches: ['main'] },
    });
    const hooks = new HookServer({
      kube: hookKube(loopbackKubeConfig(server.url, 'team-a')),
      namespace: 'team-a',
      secretsNamespace: 'kiln',
      maxBodyBytes: 1 << 20,
      log: () => {},
    });
    const url = await hooks.listen('127.0.0.1', 0);
    const push = (branch: string) => ({ ref: `refs/heads/${branch}`, after: 'ab12', repository: { full_name: 'a/b' } });
    try {
      expect(
        (await deliver(url, 'on-push', { source: 'github', secret: 's3cret', id: 'd-1', body: push('main') })).status,
      ).toBe(202);
      expect(
        (await deliver(url, 'on-push', { source: 'github', secret: 's3cret', id: 'd-2', body: push('dev') })).status,
      ).toBe(200);
      expect(
        (await deliver(url, 'on-push', { source: 'github', secret: 'wrong', id: 'd-3', body: push('main') })).status,
      ).toBe(401);
    } finally {
      await hooks.close();
    }
    const table = await run('triggers', 'deliveries', '--namespace', 'team-a');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RECEIVED +TRIGGER +DELIVERY +EVENT +BRANCH +OUTCOME +RUN +REASON/);
    expect(
      lines.slice(1).map((l) =>
        l
          .split(/ +/)
          .slice(1, 3)
          .concat(l.includes(' refused ') ? 'refused' : ''),
      ),
    ).toEqual([
      ['on-push', 'd-3', 'refused'],
      ['on-push', 'd-2', ''],
      ['on-push', 'd-1', ''],
    ]);
    const json = await run('triggers', 'deliveries', '--namespace', 'team-a', '-o', 'json', '--trigger', 'on-push');
    const rows = JSON.parse(json.stdout) as { deliveryId: string; outcome: string; reason?: string; runId?: string }[];
    expect(rows.map((r) => [r.deliveryId, r.outcome])).toEqual([
      ['d-3', 'refused'],
      ['d-2', 'filtered'],
      ['d-1', 'accepted'],
    ]);
    expect(rows[1]!.reason).toContain('dev');
    expect(rows[2]!.runId).toMatch(/^on-push-[0-9a-f]{10}$/);
  });
});

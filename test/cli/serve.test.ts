// kiln serve end to end, over real HTTP on loopback: signed deliveries start real runs on the host
// engine, redeliveries and bad signatures start nothing, runs past --max-concurrent-runs wait as
// Queued, cancelInProgress supersedes, a SIGKILLed server resumes its queue, and commit statuses
// reach a forge API written for the tests (testkit/fake-forge.ts; the real Gitea is in gitea.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../testkit/kiln-cli.js';
import { deliver, followRun, getRun, startKilnServe, type KilnServe } from '../../testkit/kiln-serve.js';
import { startFakeForge, type FakeForge } from '../../testkit/fake-forge.js';
import type { Source } from '../../triggers/index.js';

const SECRET = 'hook-secret-for-tests';
/** A delivery signed with the triggers' secret. */
const hook = (url: string, trigger: string, source: Source, id: string, body: unknown) =>
  deliver(url, trigger, { source, secret: SECRET, id, body });
const push = (after: string, branch = 'main') => ({
  ref: `refs/heads/${branch}`,
  after,
  head_commit: { message: `commit ${after}` },
  repository: { full_name: 'acme/web', clone_url: 'https://forge.test/acme/web.git' },
});

/**
 * The step says it started, then waits for its gate file: the test decides when it ends. `held`:
 * a cancelled one (SIGTERM) also ends only once its gate is there, so the test holds a superseded
 * run's cancelling until the next delivery has come.
 */
function gatedPipeline(gates: string, held: boolean): string {
  const wait = `while [ ! -e "${gates}/$(params.revision)" ]; do sleep 0.05; done`;
  const script = [
    ...(held ? [`trap '${wait}; exit 143' TERM`] : []),
    'echo "started $(params.revision)"',
    wait,
    'echo "released $(params.revision)"',
  ];
  return `name: gated\nparams:\n  revision: {}\ntasks:\n  wait:\n    steps:\n      - run: |\n${script.map((l) => `          ${l}\n`).join('')}`;
}

function scratch(triggers: string, gates: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-serve-'));
  writeFileSync(join(dir, 'hook-secret'), SECRET + '\n');
  writeFileSync(join(dir, 'forge-token'), 'forge-token-123\n');
  writeFileSync(
    join(dir, 'build.yaml'),
    'name: build\nparams:\n  revision: {}\ntasks:\n  build:\n    steps:\n      - run: echo "building $(params.revision)"\n',
  );
  writeFileSync(join(dir, 'gated.yaml'), gatedPipeline(gates, false));
  writeFileSync(join(dir, 'gated-held.yaml'), gatedPipeline(gates, true));
  writeFileSync(join(dir, 'triggers.yaml'), triggers);
  return dir;
}

const TRIGGERS = `triggers:
  - name: build
    pipeline: build.yaml
    source: github
    secretFile: hook-secret
    events: [push]
    branches: [main, "release/*"]
    params: { revision: $(body.after) }
  - name: gated
    pipeline: gated.yaml
    source: gitea
    secretFile: hook-secret
    params: { revision: $(body.after) }
  - name: gated-latest
    pipeline: gated-held.yaml
    source: generic
    secretFile: hook-secret
    params: { revision: $(body.after) }
    concurrency: { group: "$(delivery.branch)", cancelInProgress: true }
`;

function kilnJson(cwd: string, args: string[]): unknown {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/kiln.js'), ...args, '-o', 'json'], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kiln ${args.join(' ')}: ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('kiln serve', () => {
  let dir: string;
  let gates: string;
  let serve: KilnServe;
  const release = (rev: string) => writeFileSync(join(gates, rev), '');

  beforeAll(async () => {
    gates = mkdtempSync(join(tmpdir(), 'kiln-gates-'));
    dir = scratch(TRIGGERS, gates);
    serve = await startKilnServe(
      ['--triggers', 'triggers.yaml', '--max-concurrent-runs', '1', '--max-hook-body', '64KiB'],
      {
        cwd: dir,
      },
    );
  });
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(gates, { recursive: true, force: true });
  });

  it('a signed push runs the pipeline with its params; the same delivery again starts nothing; a bad signature is refused', async () => {
    const accepted = await hook(serve.url, 'build', 'github', 'gh-1', push('a1'));
    expect(accepted).toMatchObject({ status: 202, body: { outcome: 'accepted', delivery: 'gh-1' } });
    const runId = accepted.body.run as string;
    const record = await followRun(serve, runId);
    expect(record).toMatchObject({ id: runId, name: 'build', status: 'Succeeded', params: { revision: 'a1' } });
    expect(record.labels).toMatchObject({
      'kiln.dev/trigger': 'build',
      'kiln.dev/delivery': 'gh-1',
      'kiln.dev/event': 'push',
    });
    const logs = await fetch(`${serve.url}/v1/runs/${runId}/logs`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(JSON.stringify(await logs.json())).toContain('building a1');

    const again = await hook(serve.url, 'build', 'github', 'gh-1', push('a1'));
    expect(again).toMatchObject({ status: 200, body: { outcome: 'filtered', run: runId, duplicate: true } });
    const forged = await deliver(serve.url, 'build', {
      source: 'github',
      secret: 'not-the-secret',
      id: 'gh-2',
      body: push('a2'),
    });
    expect(forged).toMatchObject({ status: 401, body: { outcome: 'refused' } });
    const branch = await hook(serve.url, 'build', 'github', 'gh-3', push('a3', 'feature/x'));
    expect(branch).toMatchObject({
      status: 200,
      body: { outcome: 'filtered', reason: 'branch "feature/x" matches none of main, release/*' },
    });
    const unknown = await fetch(`${serve.url}/v1/hooks/nope`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    const big = await hook(serve.url, 'build', 'github', 'gh-big', { ...push('a4'), padding: 'x'.repeat(70 * 1024) });
    expect(big).toMatchObject({ status: 413, body: { error: expect.stringContaining('--max-hook-body') } });
    const anonymous = await fetch(`${serve.url}/v1/hooks/deliveries`);
    expect(anonymous.status).toBe(401);
    const listed = await fetch(`${serve.url}/v1/hooks/deliveries?trigger=build&limit=2`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(
      ((await listed.json()) as { deliveries: { deliveryId: string }[] }).deliveries.map((d) => d.deliveryId),
    ).toEqual(['gh-3', 'gh-2']);

    const runs = kilnJson(dir, ['runs']) as { id: string }[];
    expect(runs.map((r) => r.id)).toEqual([runId]);
    const deliveries = kilnJson(dir, ['triggers', 'deliveries', '--trigger', 'build']) as {
      deliveryId: string;
      outcome: string;
    }[];
    expect(deliveries.map((d) => `${d.deliveryId} ${d.outcome}`)).toEqual([
      'gh-3 filtered',
      'gh-2 refused',
      'gh-1 filtered',
      'gh-1 accepted',
    ]);
  });

  it('runs past --max-concurrent-runs wait as Queued, in order', async () => {
    const first = await hook(serve.url, 'gated', 'gitea', 'q-1', push('q1'));
    await followRun(serve, first.body.run as string, 'started q1');
    const second = await hook(serve.url, 'gated', 'gitea', 'q-2', push('q2'));
    const queued = (kilnJson(dir, ['runs', '--status', 'queued']) as { id: string }[]).map((r) => r.id);
    expect(queued).toEqual([second.body.run]);
    expect((await getRun(serve, first.body.run as string)).status).toBe('Running');
    release('q1');
    release('q2');
    expect((await followRun(serve, second.body.run as string)).status).toBe('Succeeded');
    expect((await getRun(serve, first.body.run as string)).status).toBe('Succeeded');
  });

  it('cancelInProgress: a newer delivery of the group cancels the running run and the queued one', async () => {
    const a = await hook(serve.url, 'gated-latest', 'generic', 'c-1', push('c1'));
    await followRun(serve, a.body.run as string, 'started c1');
    // a, cancelled by b, keeps running until its gate is there: b is still queued when c comes
    // (without the hold, a's cancelling could end first and b start, on a loaded machine).
    const b = await hook(serve.url, 'gated-latest', 'generic', 'c-2', push('c2'));
    const c = await hook(serve.url, 'gated-latest', 'generic', 'c-3', push('c3'));
    release('c1');
    release('c3');
    const last = await followRun(serve, c.body.run as string);
    expect(last.status).toBe('Succeeded');
    const ranA = await getRun(serve, a.body.run as string);
    expect(ranA).toMatchObject({ status: 'Cancelled', labels: { 'kiln.dev/superseded-by': b.body.run } });
    expect(await getRun(serve, b.body.run as string)).toMatchObject({
      status: 'Cancelled',
      tasks: [],
      labels: { 'kiln.dev/superseded-by': c.body.run },
    });
  });
});

describe('kiln serve restarted', () => {
  let dir: string;
  let gates: string;
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(gates, { recursive: true, force: true });
  });

  it('a SIGKILL loses no accepted delivery: queued runs run after the restart', async () => {
    gates = mkdtempSync(join(tmpdir(), 'kiln-gates-'));
    dir = scratch(TRIGGERS, gates);
    const first = await startKilnServe(['--triggers', 'triggers.yaml', '--max-concurrent-runs', '1'], { cwd: dir });
    const running = await hook(first.url, 'gated', 'gitea', 'k-1', push('k1'));
    await followRun(first, running.body.run as string, 'started k1');
    const waiting = [];
    for (const n of [2, 3]) waiting.push(await hook(first.url, 'gated', 'gitea', `k-${n}`, push(`k${n}`)));
    await first.kill();
    for (const rev of ['k1', 'k2', 'k3']) writeFileSync(join(gates, rev), '');

    const second = await startKilnServe(['--triggers', 'triggers.yaml', '--max-concurrent-runs', '1'], { cwd: dir });
    try {
      await second.stderrShows('2 queued run(s) resumed; 1 run(s) were running');
      for (const w of waiting) expect((await followRun(second, w.body.run as string)).status).toBe('Succeeded');
      // The run that was going on when kiln serve died is not left Running for ever.
      expect((await getRun(second, running.body.run as string)).status).toBe('Failed');
      const again = await hook(second.url, 'gated', 'gitea', 'k-2', push('k2'));
      expect(again.body).toMatchObject({ outcome: 'filtered', duplicate: true });
    } finally {
      await second.stop();
    }
  });
});

describe('commit statuses', () => {
  let forge: FakeForge;
  let dir: string;
  let serve: KilnServe;
  beforeAll(async () => {
    forge = await startFakeForge();
    const status = (api: string, context: string) =>
      `    status: { api: "${forge.url}${api}", tokenFile: forge-token, context: ${context} }\n`;
    const trigger = (name: string, source: string, api: string, pipeline = 'build.yaml') =>
      `  - name: ${name}\n    pipeline: ${pipeline}\n    source: ${source}\n    secretFile: hook-secret\n    params: { revision: $(delivery.sha) }\n` +
      status(api, 'kiln/ci');
    const triggers =
      'triggers:\n' +
      trigger('gh', 'github', '/api/v3') +
      trigger('gt', 'gitea', '/api/v1') +
      trigger('gl', 'gitlab', '/api/v4') +
      `  - name: broken\n    pipeline: build.yaml\n    source: github\n    secretFile: hook-secret\n    params: { revision: $(delivery.sha) }\n    status: { api: "http://127.0.0.1:1/api", tokenFile: forge-token }\n`;
    dir = scratch(triggers, tmpdir());
    writeFileSync(
      join(dir, 'failing.yaml'),
      'name: failing\nparams:\n  revision: {}\ntasks:\n  t:\n    steps:\n      - run: exit 3\n',
    );
    serve = await startKilnServe(
      ['--triggers', 'triggers.yaml', '--status-attempts', '2', '--public-url', 'https://ci.example/'],
      { cwd: dir },
    );
  });
  afterAll(async () => {
    await serve?.stop();
    await forge?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub: pending when the run starts, success at its end, each with a link to the run in the web UI', async () => {
    const sha = '1'.repeat(40);
    const d = await hook(serve.url, 'gh', 'github', 's-1', push(sha));
    const run = d.body.run as string;
    const done = await forge.waitFor((s) => s.body.state === 'success' && s.path.endsWith(sha));
    const [pending] = forge.statuses.filter((s) => s.path.endsWith(sha));
    expect(pending).toEqual({
      path: `/api/v3/repos/acme/web/statuses/${sha}`,
      token: 'forge-token-123',
      body: {
        state: 'pending',
        context: 'kiln/ci',
        target_url: `https://ci.example/#/run/${run}`,
        description: 'build is running',
      },
    });
    expect(done.body).toMatchObject({ target_url: `https://ci.example/#/run/${run}`, description: 'build Succeeded' });
    expect((await followRun(serve, run)).labels).toMatchObject({ 'kiln.dev/commit-status': 'success: posted' });
  });

  it('GitLab: its states and PRIVATE-TOKEN on the project; a 500 is retried', async () => {
    const sha = '2'.repeat(40);
    const body = { ref: 'refs/heads/main', checkout_sha: sha, after: sha, project: { id: 77 } };
    forge.failNext(1);
    const d = await deliver(serve.url, 'gl', { source: 'gitlab', secret: SECRET, id: 's-2', body });
    const done = await forge.waitFor((s) => s.path.endsWith(sha) && s.body.state === 'success');
    expect(done).toMatchObject({
      path: `/api/v4/projects/77/statuses/${sha}`,
      token: 'forge-token-123',
      body: { name: 'kiln/ci' },
    });
    const states = forge.statuses.filter((s) => s.path.endsWith(sha)).map((s) => s.body.state);
    expect(states).toEqual(['running', 'success']);
    expect((await followRun(serve, d.body.run as string)).status).toBe('Succeeded');
  });

  it('Gitea: failure for a failed run', async () => {
    writeFileSync(
      join(dir, 'build.yaml'),
      'name: build\nparams:\n  revision: {}\ntasks:\n  t:\n    steps:\n      - run: exit 3\n',
    );
    const sha = '3'.repeat(40);
    const d = await hook(serve.url, 'gt', 'gitea', 's-3', push(sha));
    const done = await forge.waitFor((s) => s.path.endsWith(sha) && s.body.state !== 'pending');
    expect(done).toMatchObject({
      path: `/api/v1/repos/acme/web/statuses/${sha}`,
      body: { state: 'failure', context: 'kiln/ci' },
    });
    expect((await followRun(serve, d.body.run as string)).status).toBe('Failed');
  });

  it('a forge that cannot be reached is shown on the run and does not fail it', async () => {
    writeFileSync(
      join(dir, 'build.yaml'),
      'name: build\nparams:\n  revision: {}\ntasks:\n  t:\n    steps:\n      - run: "true"\n',
    );
    const d = await hook(serve.url, 'broken', 'github', 's-4', push('4'.repeat(40)));
    const record = await followRun(serve, d.body.run as string);
    expect(record.status).toBe('Succeeded');
    expect(record.labels!['kiln.dev/commit-status']).toMatch(/^success: not posted after 2 attempt\(s\): /);
  });
});

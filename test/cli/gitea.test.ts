// kiln serve against a real forge: Gitea built from its Go module (scripts/gitea-build.sh), on
// loopback with SQLite. A real repository, a real `git push` over HTTP, Gitea's own signed webhook
// to kiln serve, a run that clones the pushed commit from Gitea, and the commit statuses kiln serve
// posted (success, then failure for a broken commit) read back from Gitea's API; then a pull
// request opened through Gitea's API, whose own webhook starts a run with params from the pull
// request (its head commit, its description) and whose head commit gets the run's statuses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../testkit/kiln-cli.js';
import { until } from '../../testkit/kubeconfig.js';
import { followRun, getRun, startKilnServe, type KilnServe } from '../../testkit/kiln-serve.js';
import { giteaHome, startGitea, type Gitea } from '../../testkit/gitea.js';

const SECRET = 'gitea-hook-secret';

const TRIGGERS = `triggers:
  - name: web
    pipeline: ci.yaml
    source: gitea
    secretFile: hook-secret
    events: [push]
    branches: [main]
    params:
      revision: $(body.after)
      repo-url: $(body.repository.clone_url)
    status: { api: "API", tokenFile: forge-token, context: kiln/ci }
  - name: pr
    pipeline: ci.yaml
    source: gitea
    secretFile: hook-secret
    events: [pull_request]
    branches: [main]
    filter: { cel: "body.action == 'opened'" }
    params:
      revision: $(body.pull_request.head.sha)
      repo-url: $(body.pull_request.head.repo.clone_url)
      note: $(body.pull_request.body)
    status: { api: "API", tokenFile: forge-token, context: kiln/pr }
`;

// The run checks out the pushed commit from Gitea itself, as a CI pipeline would.
const PIPELINE = `name: ci
params:
  revision: {}
  repo-url: {}
  note: { default: "" }
tasks:
  test:
    steps:
      - run: |
          rm -rf src
          git clone -q "$(params.repo-url)" src
          git -C src checkout -q "$(params.revision)"
          echo "checked out: $(cat src/message.txt)"
          echo "note: $(params.note)"
          if grep -q broken src/message.txt; then echo "the message is broken"; exit 1; fi
`;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Kiln Tests', '-c', 'user.email=tests@example.test', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/** Gitea's CommitStatus: the state is in `status`. */
interface GiteaStatus {
  status: string;
  context: string;
  target_url: string;
  description: string;
}

describe('kiln serve with Gitea', () => {
  let gitea: Gitea;
  let serve: KilnServe;
  let dir: string;
  let work: string;

  // A fresh machine builds Gitea here if setup.sh has not (minutes); otherwise this is a no-op.
  beforeAll(() => giteaHome(), 3_600_000);
  beforeAll(async () => {
    gitea = await startGitea();
    dir = mkdtempSync(join(tmpdir(), 'kiln-serve-gitea-'));
    writeFileSync(join(dir, 'hook-secret'), SECRET + '\n');
    writeFileSync(join(dir, 'forge-token'), gitea.token + '\n');
    writeFileSync(join(dir, 'ci.yaml'), PIPELINE);
    writeFileSync(join(dir, 'triggers.yaml'), TRIGGERS.replaceAll('API', `${gitea.url}/api/v1`));
    serve = await startKilnServe(['--triggers', 'triggers.yaml', '--public-url', 'http://kiln.test/'], { cwd: dir });
    work = mkdtempSync(join(tmpdir(), 'kiln-gitea-work-'));
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
    await gitea?.stop();
    for (const d of [dir, work]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('a push to Gitea runs the pipeline on the pushed commit; pending then success are on the commit, with the run link', async () => {
    await gitea.api('POST', '/user/repos', { name: 'web', default_branch: 'main', private: false }, 201);
    await gitea.api(
      'POST',
      `/repos/${gitea.user}/web/hooks`,
      {
        type: 'gitea',
        active: true,
        events: ['push'],
        config: { url: `${serve.url}/v1/hooks/web`, content_type: 'json', secret: SECRET },
      },
      201,
    );

    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'message.txt'), 'pushed to gitea\n');
    git(work, 'add', 'message.txt');
    git(work, 'commit', '-q', '-m', 'first commit');
    const sha = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', gitea.pushUrl(`${gitea.user}/web`), 'main');

    // Gitea's webhook reaches kiln serve, which says which run the delivery started.
    await serve.stderrShows('(ci, trigger web) starts');
    const runId = /run (\S+) \(ci, trigger web\) starts/.exec(serve.stderr())![1]!;
    const record = await followRun(serve, runId);
    expect(record).toMatchObject({
      status: 'Succeeded',
      params: { revision: sha, 'repo-url': `${gitea.url}/${gitea.user}/web.git` },
      labels: { 'kiln.dev/trigger': 'web', 'kiln.dev/event': 'push', 'kiln.dev/commit-status': 'success: posted' },
    });
    const logs = await fetch(`${serve.url}/v1/runs/${runId}/logs`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(JSON.stringify(await logs.json())).toContain('checked out: pushed to gitea');

    // Both statuses, as Gitea keeps them (oldest first), and the combined state of the commit.
    const statuses = (await gitea.api(
      'GET',
      `/repos/${gitea.user}/web/commits/${sha}/statuses?sort=oldest`,
    )) as GiteaStatus[];
    const link = `http://kiln.test/#/run/${runId}`;
    expect(statuses.map(pick)).toEqual([
      { state: 'pending', context: 'kiln/ci', target_url: link, description: 'ci is running' },
      { state: 'success', context: 'kiln/ci', target_url: link, description: 'ci Succeeded' },
    ]);
    const combined = (await gitea.api('GET', `/repos/${gitea.user}/web/commits/${sha}/status`)) as { state: string };
    expect(combined.state).toBe('success');

    // One delivery from Gitea, signed with the hook's secret and accepted, with Gitea's delivery id.
    expect(kilnDeliveries(dir)).toEqual([
      {
        trigger: 'web',
        outcome: 'accepted',
        event: 'push',
        sha,
        runId: runId,
        deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
  });

  it('a second push whose run fails: failure on that commit in Gitea, the first commit still success', async () => {
    writeFileSync(join(work, 'message.txt'), 'broken on purpose\n');
    git(work, 'commit', '-q', '-am', 'second commit');
    const sha = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', gitea.pushUrl(`${gitea.user}/web`), 'main');

    // The run's last log line from kiln serve comes after its final status was posted.
    await serve.stderrShows(' Failed\n');
    const runId = /run (\S+) Failed\n/.exec(serve.stderr())![1]!;
    expect(await getRun(serve, runId)).toMatchObject({
      status: 'Failed',
      params: { revision: sha },
      labels: { 'kiln.dev/commit-status': 'failure: posted' },
    });
    const statuses = (await gitea.api(
      'GET',
      `/repos/${gitea.user}/web/commits/${sha}/statuses?sort=oldest`,
    )) as GiteaStatus[];
    expect(statuses.map((s) => `${s.status} ${s.target_url}`)).toEqual([
      `pending http://kiln.test/#/run/${runId}`,
      `failure http://kiln.test/#/run/${runId}`,
    ]);
    const combined = (await gitea.api('GET', `/repos/${gitea.user}/web/commits/${sha}/status`)) as { state: string };
    expect(combined.state).toBe('failure');
    const first = git(work, 'rev-parse', 'HEAD~1');
    const before = (await gitea.api('GET', `/repos/${gitea.user}/web/commits/${first}/status`)) as { state: string };
    expect(before.state).toBe('success');
  });

  it("a pull request opened through Gitea's API runs on its head commit, params from the pull request; the statuses land on the head commit", async () => {
    await gitea.api(
      'POST',
      `/repos/${gitea.user}/web/hooks`,
      {
        type: 'gitea',
        active: true,
        events: ['pull_request'],
        config: { url: `${serve.url}/v1/hooks/pr`, content_type: 'json', secret: SECRET },
      },
      201,
    );
    git(work, 'checkout', '-q', '-b', 'fix-message');
    writeFileSync(join(work, 'message.txt'), 'fixed in a pull request\n');
    git(work, 'commit', '-q', '-am', 'fix the message');
    const head = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', gitea.pushUrl(`${gitea.user}/web`), 'fix-message');
    const pr = (await gitea.api(
      'POST',
      `/repos/${gitea.user}/web/pulls`,
      { head: 'fix-message', base: 'main', title: 'Fix the message', body: 'reviewed-by-kiln' },
      201,
    )) as { number: number; head: { sha: string } };
    expect(pr.head.sha).toBe(head);

    await serve.stderrShows('(ci, trigger pr) starts');
    const runId = /run (\S+) \(ci, trigger pr\) starts/.exec(serve.stderr())![1]!;
    const record = await followRun(serve, runId);
    expect(record).toMatchObject({
      status: 'Succeeded',
      params: { revision: head, 'repo-url': `${gitea.url}/${gitea.user}/web.git`, note: 'reviewed-by-kiln' },
      labels: {
        'kiln.dev/trigger': 'pr',
        'kiln.dev/event': 'pull_request',
        'kiln.dev/sha': head,
        'kiln.dev/commit-status': 'success: posted',
      },
    });
    const logs = await fetch(`${serve.url}/v1/runs/${runId}/logs`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    const text = JSON.stringify(await logs.json());
    expect(text).toContain('checked out: fixed in a pull request');
    expect(text).toContain('note: reviewed-by-kiln');

    // The statuses are on the pull request's head commit, as Gitea shows them on the pull request.
    const statuses = (await gitea.api(
      'GET',
      `/repos/${gitea.user}/web/commits/${head}/statuses?sort=oldest`,
    )) as GiteaStatus[];
    const link = `http://kiln.test/#/run/${runId}`;
    expect(statuses.map(pick)).toEqual([
      { state: 'pending', context: 'kiln/pr', target_url: link, description: 'ci is running' },
      { state: 'success', context: 'kiln/pr', target_url: link, description: 'ci Succeeded' },
    ]);
    const opened = (await gitea.api('GET', `/repos/${gitea.user}/web/pulls/${pr.number}`)) as { head: { sha: string } };
    const combined = (await gitea.api('GET', `/repos/${gitea.user}/web/commits/${opened.head.sha}/status`)) as {
      state: string;
    };
    expect(combined.state).toBe('success');
    // The push of the branch reached the push trigger, which runs main only: filtered, with why.
    // Gitea queues that webhook on its own, so it may land after the pull request's run ended.
    const pushed = await until(
      'the push delivery',
      () => kilnDeliveriesAll(dir).find((d) => d.trigger === 'web' && d.sha === head),
      60_000,
    );
    expect(pushed).toMatchObject({ outcome: 'filtered', reason: expect.stringContaining('fix-message') });
  });
});

const pick = (s: GiteaStatus) => ({
  state: s.status,
  context: s.context,
  target_url: s.target_url,
  description: s.description,
});

function kilnDeliveriesAll(cwd: string): Record<string, unknown>[] {
  const out = execFileSync(process.execPath, [join(REPO, 'bin/kiln.js'), 'triggers', 'deliveries', '-o', 'json'], {
    cwd,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, unknown>[];
}

function kilnDeliveries(cwd: string): unknown[] {
  return kilnDeliveriesAll(cwd).map(({ trigger, outcome, event, sha, runId, deliveryId }) => ({
    trigger,
    outcome,
    event,
    sha,
    runId,
    deliveryId,
  }));
}

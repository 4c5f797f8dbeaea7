// Orchestration beyond Tekton in a real `kiln run` on the host engine, in a scratch directory:
// a pipeline calling a pipeline file with params and a workspace and reading its result, a retry
// after a backoff, a CEL branch with a join, a loop polling a file — then `kiln describe` and
// `kiln logs` reading the attempts, iterations and the called pipeline's task runs back (by path too).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/index.js';
import { requireBuild, runKiln } from '../../testkit/log-proxy-pod.js';

let dir: string;
let record: RunRecord;
let status: number | null;

const MAIN = `
name: orch
params: { colour: { default: blue } }
workspaces: [source]
tasks:
  flaky:
    retries: { count: 2, backoff: { delay: 300ms, factor: 2 }, on: [failure] }
    steps:
      - run: |
          n=$(cat $(workspaces.source.path)/tries 2>/dev/null || echo 0)
          echo $((n + 1)) > $(workspaces.source.path)/tries
          echo "try $n"; [ "$n" -ge 1 ]
  deploy-blue:
    when: [{ cel: "'$(params.colour)' == 'blue'" }]
    pipeline: ./deploy.yaml
    workspaces: { out: source }
    params: { colour: "$(params.colour)" }
  deploy-green:
    when: [{ cel: "'$(params.colour)' == 'green'" }]
    pipeline: ./deploy.yaml
    workspaces: { out: source }
    params: { colour: "$(params.colour)" }
  smoke-green:
    needs: [{ task: deploy-green, on: [succeeded] }]
    steps: [{ run: "echo smoke green" }]
  announce:
    needs:
      - { task: deploy-blue, on: [succeeded, skipped] }
      - { task: smoke-green, on: [succeeded, skipped] }
    steps: [{ run: "echo announced $(tasks.deploy-blue.results.url)" }]
  poll:
    needs: [flaky]
    loop: { until: { cel: "results.count >= 3" }, max: 10, delay: 100ms }
    results: [count]
    steps:
      - run: |
          n=$(cat $(workspaces.source.path)/polls 2>/dev/null || echo 0)
          echo $((n + 1)) > $(workspaces.source.path)/polls
          printf %s $((n + 1)) > $(results.count.path)
`;
const DEPLOY = `
name: deploy
params: { colour: {} }
workspaces: [out]
tasks:
  push:
    results: [url]
    steps:
      - run: |
          echo "pushing $(params.colour)" | tee $(workspaces.out.path)/pushed
          printf https://%s.example $(params.colour) > $(results.url.path)
results:
  url: $(tasks.push.results.url)
`;

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'kiln-orch-'));
  writeFileSync(join(dir, 'main.yaml'), MAIN);
  writeFileSync(join(dir, 'deploy.yaml'), DEPLOY);
  const run = await runKiln(dir, ['run', 'main.yaml', '--workspace', `source=${dir}`, '--json']);
  status = run.status;
  record = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as RunRecord;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const task = (name: string) => record.tasks.find((t) => t.name === name)!;

describe('orchestration in a real run', () => {
  it('runs the called pipeline with its params and workspace, and reads its result', () => {
    expect(status).toBe(0);
    expect(record.status).toBe('Succeeded');
    const deploy = task('deploy-blue');
    expect(deploy).toMatchObject({ status: 'Succeeded', results: { url: 'https://blue.example' } });
    expect(deploy.child).toMatchObject({
      name: 'deploy',
      status: 'Succeeded',
      tasks: [{ name: 'push', status: 'Succeeded', taskRun: `${record.id}-deploy-blue-push` }],
    });
  });

  it('branches: the other deploy and its smoke test are skipped, the join runs once', () => {
    expect(task('deploy-green')).toMatchObject({ status: 'Skipped', reason: 'WhenExpressionsFalse' });
    expect(task('smoke-green')).toMatchObject({ status: 'Skipped', reason: 'NeedsNotMet' });
    expect(record.tasks.filter((t) => t.name === 'announce')).toHaveLength(1);
    expect(task('announce').status).toBe('Succeeded');
  });

  it('retried after the backoff, and looped until the condition held, each run recorded', () => {
    const flaky = task('flaky');
    expect(flaky).toMatchObject({ status: 'Succeeded', attempts: 2 });
    const [first, second] = flaky.history!;
    expect(first).toMatchObject({ attempt: 0, status: 'Failed' });
    expect(Date.parse(second!.startedAt!) - Date.parse(first!.finishedAt!)).toBeGreaterThanOrEqual(300);
    const poll = task('poll');
    expect(poll).toMatchObject({ status: 'Succeeded', results: { count: '3' } });
    expect(poll.history!.map((h) => [h.iteration, h.status])).toEqual([
      [0, 'Succeeded'],
      [1, 'Succeeded'],
      [2, 'Succeeded'],
    ]);
  });

  it('kiln describe shows attempts, iterations and the nested run; kiln logs reads the child task', async () => {
    const out = (await runKiln(dir, ['describe', record.id])).stdout;
    expect(out).toMatch(/try 1 {2}Failed .*\(task run \S+-flaky\)/);
    expect(out).toMatch(/iteration 2 try 1 {2}Succeeded/);
    expect(out).toContain('  pipeline deploy  Succeeded');
    expect(out).toMatch(/ {6}push {2}Succeeded/);
    const logs = await runKiln(dir, ['logs', record.id, '--task', `${record.id}-deploy-blue-push`]);
    expect(logs.stdout).toBe('pushing blue\n');
    // By the calling task's name: every task run of the pipeline it called, labelled under it.
    const all = await runKiln(dir, ['logs', record.id, '--task', 'deploy-blue']);
    expect(all.stdout).toBe('pushing blue\n');
    // By its path, as approval gates in called pipelines are named.
    const byPath = await runKiln(dir, ['logs', record.id, '--task', 'deploy-blue/push']);
    expect(byPath.stdout).toBe('pushing blue\n');
    const whole = await runKiln(dir, ['logs', record.id]);
    expect(whole.stdout).toContain('deploy-blue:push/step-1 | pushing blue\n');
  });
});

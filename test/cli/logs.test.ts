// `kiln logs` as a user runs it, on a run whose record lists its tasks: --task by the pipeline's
// task name (every matrix combination) or a task run's, task/step prefixes unless --raw, --tail,
// --since, --timestamps, and unknown names refused with the valid ones.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorClient, startCollector, type RunningCollector } from '../../collector/index.js';
import type { TaskRunRecord } from '../../contract/index.js';
import { sendLines } from '../../testkit/log-lines.js';
import { exited, KILN, requireBuild, runKiln, waitFor } from '../../testkit/log-proxy-pod.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';

const HOUR_AGO = Date.now() - 3_600_000;
const NOW = Date.now();

function taskRun(name: string, taskRun: string, steps: string[], matrix?: Record<string, string>): TaskRunRecord {
  return {
    name,
    taskRun,
    matrix,
    status: 'Succeeded',
    attempts: 1,
    results: {},
    steps: steps.map((s) => ({ name: s, status: 'Succeeded', exitCode: 0 })),
  };
}

let cwd: string;
let c: RunningCollector;
const logs = (...args: string[]) => runKiln(cwd, ['logs', 'r1', ...args]);

beforeAll(async () => {
  requireBuild();
  cwd = mkdtempSync(join(tmpdir(), 'kiln-logs-'));
  c = await startCollector({ db: `sqlite:${join(cwd, '.kiln/kiln.db')}`, stateDir: join(cwd, '.kiln') });
  const record = runRecord('r1', {
    status: 'Succeeded',
    tasks: [
      taskRun('build', 'r1-build', ['compile', 'test']),
      taskRun('pack', 'r1-pack-0', ['zip'], { os: 'linux' }),
      taskRun('pack', 'r1-pack-1', ['zip'], { os: 'mac' }),
    ],
  });
  await new CollectorClient(c.url).postRun(record, c.mintRunToken(testClaims('r1')));
  await sendLines(c, 'r1', 'compile', ['old 1', 'old 2'], true, { taskRun: 'r1-build', timeMs: HOUR_AGO });
  await sendLines(c, 'r1', 'test', ['t1', 't2', 't3'], true, { taskRun: 'r1-build', stepIndex: 1, timeMs: NOW });
  await sendLines(c, 'r1', 'zip', ['linux zip'], true, { taskRun: 'r1-pack-0', timeMs: NOW });
  await sendLines(c, 'r1', 'zip', ['mac zip'], true, { taskRun: 'r1-pack-1', timeMs: NOW });

  // Nested runs: r2 called deploy locally (its lines are r2's); p1's task ship ran as a child
  // PipelineRun (the controller's), its lines stored under the child's own id.
  const withChild = (t: TaskRunRecord, child: string, tasks: TaskRunRecord[]) => ({
    ...t,
    child: runRecord(child, { name: t.name, status: 'Succeeded', tasks }),
  });
  const nested = runRecord('r2', {
    status: 'Succeeded',
    tasks: [
      taskRun('build', 'r2-build', ['make']),
      withChild(taskRun('deploy', 'r2-deploy', []), 'r2-deploy', [taskRun('build', 'r2-deploy-build', ['make'])]),
    ],
  });
  await new CollectorClient(c.url).postRun(nested, c.mintRunToken(testClaims('r2')));
  await sendLines(c, 'r2', 'make', ['top build'], true, { taskRun: 'r2-build', timeMs: NOW });
  await sendLines(c, 'r2', 'make', ['deploy build'], true, { taskRun: 'r2-deploy-build', timeMs: NOW + 1 });
  const parent = runRecord('ns.p1.0a1b2c3d', {
    status: 'Succeeded',
    tasks: [
      taskRun('pick', 'p1-pick', ['choose']),
      withChild(taskRun('ship', 'p1-ship', []), 'ns.p1-ship.4e5f6a7b', [taskRun('push', 'p1-ship-push', ['upload'])]),
    ],
  });
  await new CollectorClient(c.url).postRun(parent, c.mintRunToken(testClaims('ns.p1.0a1b2c3d')));
  await sendLines(c, 'ns.p1.0a1b2c3d', 'choose', ['picked'], true, { taskRun: 'p1-pick', timeMs: NOW });
  await sendLines(c, 'ns.p1-ship.4e5f6a7b', 'upload', ['up 1', 'up 2'], true, {
    taskRun: 'p1-ship-push',
    timeMs: NOW + 1,
  });
});
afterAll(async () => {
  await c?.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('kiln logs', () => {
  it('prefixes each line of a whole run with its task and step; --raw leaves the text alone', async () => {
    const r = await logs();
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'build/compile | old 1',
      'build/compile | old 2',
      'build/test | t1',
      'build/test | t2',
      'build/test | t3',
      'pack[os=linux]/zip | linux zip',
      'pack[os=mac]/zip | mac zip',
      '',
    ]);
    expect((await logs('--raw')).stdout).toBe('old 1\nold 2\nt1\nt2\nt3\nlinux zip\nmac zip\n');
  });

  it("takes the pipeline task's name (every matrix combination) and a task run's name", async () => {
    expect((await logs('--task', 'pack')).stdout).toBe('pack[os=linux]/zip | linux zip\npack[os=mac]/zip | mac zip\n');
    // One step selected: its text alone.
    expect((await logs('--task', 'r1-pack-1')).stdout).toBe('mac zip\n');
    expect((await logs('--task', 'build', '--step', 'test')).stdout).toBe('t1\nt2\nt3\n');
  });

  it('--tail N, --since D and --timestamps', async () => {
    expect((await logs('--task', 'build', '--tail', '2', '--raw')).stdout).toBe('t2\nt3\n');
    expect((await logs('--task', 'build', '--since', '10m', '--raw')).stdout).toBe('t1\nt2\nt3\n');
    const stamped = (await logs('--task', 'build', '--step', 'compile', '--timestamps')).stdout.split('\n')[0];
    expect(stamped).toBe(`${new Date(HOUR_AGO).toISOString()} old 1`);
  });

  it('refuses an unknown task or step (exit 2), listing the valid names', async () => {
    const task = await logs('--task', 'biuld');
    expect(task.status).toBe(2);
    expect(task.stderr).toBe(
      'kiln: --task biuld: the run has no task "biuld"\n  hint: did you mean "build"? (valid: build, pack)\n',
    );
    const step = await logs('--task', 'build', '--step', 'zip');
    expect(step.status).toBe(2);
    expect(step.stderr).toContain('the run has no step "zip"');
    expect(step.stderr).toContain('(valid: compile, test)');
    expect((await logs('--tail', 'x')).status).toBe(2);
    expect((await logs('--since', 'soon')).status).toBe(2);
  });

  it("selects a task of a called pipeline by its path (deploy/build); a plain name stays the run's own task", async () => {
    const r2 = (...args: string[]) => runKiln(cwd, ['logs', 'r2', ...args]);
    expect((await r2()).stdout).toBe('build/make | top build\ndeploy:build/make | deploy build\n');
    expect((await r2('--task', 'deploy/build')).stdout).toBe('deploy build\n');
    expect((await r2('--task', 'build')).stdout).toBe('top build\n');
    expect((await r2('--task', 'deploy')).stdout).toBe('deploy build\n');
    const wrong = await r2('--task', 'deploy/biuld');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('did you mean "deploy/build"?');
  });

  it("reads a child PipelineRun's lines from its own run: in with the parent's, labelled, or by its path", async () => {
    const p1 = (...args: string[]) => runKiln(cwd, ['logs', 'ns.p1.0a1b2c3d', ...args]);
    expect((await p1()).stdout).toBe('pick/choose | picked\nship:push/upload | up 1\nship:push/upload | up 2\n');
    expect((await p1('--task', 'ship/push')).stdout).toBe('up 1\nup 2\n');
    expect((await p1('--task', 'ship', '--tail', '1')).stdout).toBe('up 2\n');
    expect((await p1('--tail', '2', '--raw')).stdout).toBe('up 1\nup 2\n');
  });

  it('kiln logs -f of a cluster run follows the child PipelineRuns made after it started', async () => {
    const client = new CollectorClient(c.url);
    const id = 'ns.p2.0a1b2c3d';
    const token = c.mintRunToken(testClaims(id));
    const ship = taskRun('ship', 'p2-ship', []);
    await client.postRun(
      runRecord(id, { engine: 'kubernetes', tasks: [taskRun('pick', 'p2-pick', ['choose']), ship] }),
      token,
    );
    await sendLines(c, id, 'choose', ['picked'], true, { taskRun: 'p2-pick', timeMs: NOW });
    const env = { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '', KILN_DATABASE_URL: '' };
    const p = spawn(process.execPath, [KILN, 'logs', id, '-f'], { cwd, env });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the parent line', () => out.includes('picked'));

    // The child PipelineRun is made now: its record nests under ship, its lines under its own id.
    const childId = 'ns.p2-ship.4e5f6a7b';
    await client.postRun(runRecord(childId, { status: 'Succeeded' }), c.mintRunToken(testClaims(childId)));
    await sendLines(c, childId, 'upload', ['late 1', 'late 2'], true, { taskRun: 'p2-ship-push', timeMs: NOW + 1 });
    const child = runRecord(childId, {
      name: 'ship',
      status: 'Succeeded',
      tasks: [taskRun('push', 'p2-ship-push', ['upload'])],
    });
    await client.patchRun(
      { id, status: 'Succeeded', tasks: [taskRun('pick', 'p2-pick', ['choose']), { ...ship, child }] },
      token,
    );
    expect(await exited(p)).toBe(0);
    expect(out).toBe('pick/choose | picked\nship:push/upload | late 1\nship:push/upload | late 2\n');
  });
});

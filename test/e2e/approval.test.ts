// Approval gates end to end: a real `kiln run` waits on its gate (no process holds it), a person
// with a named token decides with `kiln approve` / `kiln reject` from another process, through the
// run's embedded collector (found by the record's label), and the run goes on or fails; the record
// keeps decision, by, at and comment.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { markedProcesses } from '../../contract/proc/index.js';
import { REPO, startKilnRun } from '../../testkit/kiln-cli.js';
import { requireBuild } from '../../testkit/log-proxy-pod.js';

const run = promisify(execFile);
const KILN = join(REPO, 'bin/kiln.js');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const PIPELINE = `
name: release
tasks:
  build:
    steps: [{ run: echo built }]
  gate:
    needs: [build]
    approval: { message: "ship it?", approvers: [release-team], timeout: 2h, onTimeout: fail }
  ship:
    needs: [gate]
    steps: [{ run: echo shipped }]
`;

// A gate inside a pipeline that a task calls: its run is the caller's task run, stored only within the caller's record.
const CALLER = `
name: release
tasks:
  build:
    steps: [{ run: echo built }]
  deploy:
    needs: [build]
    pipeline: ./deploy.yaml
`;
const DEPLOY = `
name: deploy
tasks:
  gate:
    approval: { message: "deploy it?", approvers: [release-team] }
  push:
    needs: [gate]
    steps: [{ run: echo pushed }]
`;

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-approval-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
  return dir;
}

const kiln = (dir: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [KILN, ...args], { cwd: dir, env: { ...process.env, ...env } });

/** Starts the run and answers once its gate waits (the console says so), with the run's id. */
async function waitingRun(dir: string) {
  const r = startKilnRun(['p.yaml'], { cwd: dir });
  await r.stderrShows('awaiting approval: ship it?');
  const id = (await kiln(dir, ['runs', '-o', 'name'])).stdout.trim();
  expect(id).toMatch(/^release-[a-z0-9]{5}$/);
  return { ...r, id };
}

describe('approval gates with kiln run', () => {
  beforeAll(requireBuild);

  it('waits holding no process, and goes on once a release-team member approves', async () => {
    const dir = scratch();
    const r = await waitingRun(dir);
    // Only kiln run and its agent host (kiln-agent host, which serves every task of the run) are
    // left: no step, entrypoint or log proxy waits on the gate. The host was started before the files
    // were read, so it carries kiln run's own marker, not the run's.
    const args = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(markedProcesses(r.id)).toEqual([]);
    expect(markedProcesses(`kiln-run:${r.child.pid}`).map((pid) => args(pid).slice(-1))).toEqual([['host']]);
    const outsider = (await kiln(dir, ['token', 'create', 'mallory', '--group', 'dev'])).stdout.trim();
    const refused = await kiln(dir, ['approve', r.id, 'gate'], { KILN_TOKEN: outsider }).catch((e) => e);
    expect(refused.stderr).toContain('403');
    expect(refused.stderr).toContain('its approvers are release-team');
    const alice = (await kiln(dir, ['token', 'create', 'alice', '--group', 'release-team'])).stdout.trim();
    const ok = await kiln(dir, ['approve', r.id, 'gate', '-m', 'go'], { KILN_TOKEN: alice });
    expect(ok.stdout).toMatch(new RegExp(`^${r.id} gate: approved by alice at \\d{4}-`));
    const { code, record } = await r.done;
    expect(code).toBe(0);
    expect(record.status).toBe('Succeeded');
    const gate = record.tasks.find((t) => t.name === 'gate')!;
    expect(gate).toMatchObject({ status: 'Succeeded', reason: 'Approved', steps: [] });
    expect(gate.approval).toMatchObject({ message: 'ship it?', decision: 'approved', by: 'alice', comment: 'go' });
    expect(Date.parse(gate.approval!.at!)).toBeGreaterThanOrEqual(Date.parse(gate.startedAt!));
    // The wait begins as the engine starts the gate, on the same clock, perhaps a millisecond later.
    const wait = Date.parse(gate.approval!.deadline!) - Date.parse(gate.startedAt!);
    expect(wait).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(wait).toBeLessThan(2 * 3600_000 + 1000);
    expect(record.tasks.find((t) => t.name === 'ship')!.status).toBe('Succeeded');
  });

  it('fails the run on a rejection, with the reason kept', async () => {
    const dir = scratch();
    const r = await waitingRun(dir);
    const bob = (await kiln(dir, ['token', 'create', 'bob', '--group', 'release-team'])).stdout.trim();
    const noReason = await kiln(dir, ['reject', r.id, 'gate'], { KILN_TOKEN: bob }).catch((e) => e);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('kiln reject needs a reason');
    await kiln(dir, ['reject', r.id, 'gate', '-m', 'not on a Friday'], { KILN_TOKEN: bob });
    const { code, record } = await r.done;
    expect(code).toBe(1);
    expect(record.status).toBe('Failed');
    expect(record.tasks.find((t) => t.name === 'gate')).toMatchObject({
      status: 'Failed',
      reason: 'Rejected',
      approval: { decision: 'rejected', by: 'bob', comment: 'not on a Friday' },
    });
    expect(record.tasks.find((t) => t.name === 'ship')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
    const ended = await kiln(dir, ['approve', r.id, 'gate'], { KILN_TOKEN: bob }).catch((e) => e);
    expect(ended.stderr).toContain(`run ${r.id} has ended (Failed): nothing waits for a decision`);
  });

  it('decides a gate of a pipeline a task called, named by its path from the run', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'caller.yaml'), CALLER);
    writeFileSync(join(dir, 'deploy.yaml'), DEPLOY);
    const r = startKilnRun(['caller.yaml'], { cwd: dir });
    await r.stderrShows('awaiting approval (deploy/gate): deploy it?');
    const id = (await kiln(dir, ['runs', '-o', 'name'])).stdout.trim();
    const alice = (await kiln(dir, ['token', 'create', 'alice', '--group', 'release-team'])).stdout.trim();
    const byName = await kiln(dir, ['approve', id, 'gate'], { KILN_TOKEN: alice }).catch((e) => e);
    expect(byName.stderr).toContain(`run ${id} has no task "gate" (its approval tasks: deploy/gate)`);
    const ok = await kiln(dir, ['approve', id, 'deploy/gate', '-m', 'go'], { KILN_TOKEN: alice });
    expect(ok.stdout).toMatch(new RegExp(`^${id} deploy/gate: approved by alice at \\d{4}-`));
    const { code, record } = await r.done;
    expect(code).toBe(0);
    const child = record.tasks.find((t) => t.name === 'deploy')!.child!;
    expect(child.tasks.find((t) => t.name === 'gate')).toMatchObject({
      status: 'Succeeded',
      reason: 'Approved',
      approval: { decision: 'approved', by: 'alice', comment: 'go' },
    });
    expect(child.tasks.find((t) => t.name === 'push')!.status).toBe('Succeeded');
    const twice = await kiln(dir, ['approve', id, 'deploy/gate'], { KILN_TOKEN: alice }).catch((e) => e);
    expect(twice.stderr).toContain('has ended (Succeeded)');
  });
});

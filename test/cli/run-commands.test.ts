// The run commands as a user runs them, in a scratch directory: -o on listings, get, describe,
// --status in any case, cancel (a local run by its recorded pid; a run elsewhere refused), rerun
// with a param overridden, and runs --watch.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CollectorClient, startCollector } from '../../collector/index.js';
import { RUN_LABELS, type RunRecord } from '../../contract/index.js';
import { exited, KILN, requireBuild, runKiln, waitFor } from '../../testkit/log-proxy-pod.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';

let dir: string;
let failedId: string;
const kiln = (...args: string[]) => runKiln(dir, args);

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'kiln-run-commands-'));
  writeFileSync(
    join(dir, 'p.yaml'),
    'name: p\nparams:\n  who: { default: you }\ntasks:\n  a:\n    steps: [{ name: hi, run: "echo hello $(params.who)" }]\n' +
      '  b:\n    needs: [a]\n    steps: [{ name: bad, run: "echo first; echo oops; exit 3" }]\n',
  );
  expect((await kiln('run', 'p.yaml')).status).toBe(1);
  failedId = (await kiln('runs', '-o', 'name')).stdout.trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('output formats', () => {
  it('kiln runs -o name|yaml|wide, and --status in any case, checked', async () => {
    expect(failedId).toMatch(/^p-[a-z0-9]{5}$/);
    const yaml = parse((await kiln('runs', '-o', 'yaml')).stdout) as { id: string; status: string }[];
    expect(yaml).toMatchObject([{ id: failedId, status: 'Failed' }]);
    expect((await kiln('runs', '-o', 'wide')).stdout.split('\n')[0]).toMatch(/DURATION\s+FINISHED$/);
    expect((await kiln('runs', '--status', 'fAiLeD', '-o', 'name')).stdout).toBe(`${failedId}\n`);
    const bad = await kiln('runs', '--status', 'faild');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('kiln: --status faild: not a run status\n  hint: did you mean "Failed"?\n');
    expect((await kiln('runs', '-o', 'xml')).status).toBe(2);
  });

  it('kiln search and kiln templates take -o too', async () => {
    expect((await kiln('search', 'oops', '-o', 'name')).stdout).toBe(`${failedId}/${failedId}-b/bad:1\n`);
    const names = (await kiln('templates', '-o', 'name')).stdout.trim().split('\n');
    expect(names).toContain('notify/slack');
    expect((parse((await kiln('templates', '-o', 'yaml')).stdout) as { name: string }[]).map((t) => t.name)).toEqual(
      names,
    );
  });

  it('kiln get RUN: its task runs (wide: more columns), or the record as json/yaml/name', async () => {
    const text = (await kiln('get', failedId)).stdout.split('\n');
    expect(text[1]).toMatch(/^TASK\s+STATUS\s+DURATION\s+DETAIL$/);
    expect(text[3]).toMatch(/^b\s+Failed\s+\S+s\s+step bad exited 3$/);
    expect((await kiln('get', failedId, '-o', 'wide')).stdout).toContain(`${failedId}-b`);
    const record = JSON.parse((await kiln('get', failedId, '-o', 'json')).stdout) as RunRecord;
    expect(record).toMatchObject({ id: failedId, status: 'Failed', params: { who: 'you' } });
    expect((await kiln('get', failedId, '-o', 'name')).stdout).toBe(`${failedId}\n`);
    expect((await kiln('get', 'nope')).status).toBe(2);
  });

  it("kiln describe RUN: tasks, steps, exit codes, and the failed step's last lines", async () => {
    const r = await kiln('describe', failedId);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Status:    Failed (TaskFailed: b)');
    expect(r.stdout).toMatch(/ {4}step bad {2}Failed {2}\S+s {2}exit 3/);
    expect(r.stdout).toContain('Last lines of b/bad:\n  first\n  oops\n');
  });
});

describe('kiln rerun', () => {
  it('runs the same file again in its directory, with a param overridden', async () => {
    const r = await runKiln(tmpdir(), [
      'rerun',
      failedId,
      '--param',
      'who=me',
      '--db',
      `sqlite:${join(dir, '.kiln/kiln.db')}`,
    ]);
    expect(r.status).toBe(1); // the pipeline fails again, as it should
    const newest = JSON.parse((await kiln('runs', '-o', 'json')).stdout)[0] as { id: string };
    expect(newest.id).not.toBe(failedId);
    const again = await kiln('logs', newest.id, '--task', 'a');
    expect(again.stdout).toBe('hello me\n');
  });

  it('refuses a run whose record does not carry its files', async () => {
    const other = mkdtempSync(join(tmpdir(), 'kiln-rerun-'));
    const c = await startCollector({ db: `sqlite:${join(other, 'kiln.db')}`, stateDir: other });
    await new CollectorClient(c.url).postRun(
      runRecord('r-cluster', { status: 'Succeeded' }),
      c.mintRunToken(testClaims('r-cluster')),
    );
    await c.close();
    const r = await runKiln(other, ['rerun', 'r-cluster', '--db', `sqlite:${join(other, 'kiln.db')}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('run r-cluster cannot be rerun: its record does not say which files it ran');
    rmSync(other, { recursive: true, force: true });
  });
});

describe('kiln cancel', () => {
  it('cancels a local run through its kiln process, as Ctrl-C does', async () => {
    const pidFile = join(dir, 'sleep.pid');
    writeFileSync(
      join(dir, 'sleep.yaml'),
      `name: sleeps\ntasks:\n  w:\n    steps:\n      - run: echo $$ > ${pidFile}; exec sleep 60\n`,
    );
    const run = spawn(process.execPath, [KILN, 'run', 'sleep.yaml'], { cwd: dir, stdio: 'ignore' });
    await waitFor('the step to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    // The record is stored once the embedded collector has started, which on a busy machine can
    // come after the step has.
    const id = await waitFor(
      'the run to be listed as running',
      async () => (await kiln('runs', '--status', 'running', '-o', 'name')).stdout.trim(),
      30_000,
    );
    const r = await kiln('cancel', id);
    expect(r.stdout).toBe(`cancelling ${id}: sent SIGINT to kiln run (pid ${run.pid})\n`);
    expect(await exited(run)).toBe(130);
    expect(JSON.parse((await kiln('get', id, '-o', 'json')).stdout)).toMatchObject({ status: 'Cancelled' });
    const again = await kiln('cancel', id);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('it has already ended (Cancelled)');
  });

  it('refuses a run on another machine or without a process, saying the collector has no cancel', async () => {
    const other = mkdtempSync(join(tmpdir(), 'kiln-cancel-'));
    const c = await startCollector({ db: `sqlite:${join(other, 'kiln.db')}`, stateDir: other });
    const client = new CollectorClient(c.url);
    const labels = { [RUN_LABELS.pid]: '123', [RUN_LABELS.host]: 'build-box-7' };
    await client.postRun(runRecord('r-far', { labels }), c.mintRunToken(testClaims('r-far')));
    await client.postRun(runRecord('r-pod'), c.mintRunToken(testClaims('r-pod')));
    const far = await runKiln(other, ['cancel', 'r-far', '--collector', c.url, '--token', c.readerToken]);
    expect(far.status).toBe(1);
    expect(far.stderr).toBe(
      'kiln: cannot cancel r-far: it runs on build-box-7 (kiln pid 123), and the collector has no cancel\n' +
        '  hint: run `kiln cancel r-far` on build-box-7\n',
    );
    const pod = await runKiln(other, ['cancel', 'r-pod', '--collector', c.url, '--token', c.readerToken]);
    expect(pod.stderr).toContain('its record names no local kiln process, and the collector has no cancel');
    await c.close();
    rmSync(other, { recursive: true, force: true });
  });
});

describe('kiln runs --watch', () => {
  it('prints the list, then again when it changes, until Ctrl-C', async () => {
    const p = spawn(process.execPath, [KILN, 'runs', '--watch', '-o', 'name'], { cwd: dir, env: process.env });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    await waitFor('the first list', () => out.includes(failedId));
    expect((await kiln('run', 'p.yaml')).status).toBe(1);
    await waitFor('the list with the new run', () => out.split('\n\n').length === 2);
    p.kill('SIGINT');
    expect(await exited(p)).toBe(0);
    const [first, second] = out.split('\n\n');
    expect(second!.split('\n').slice(1).join('\n')).toBe(first + '\n');
  });
});

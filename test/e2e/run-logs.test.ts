// `kiln run`'s logs end to end (the built CLI and agents; its embedded collector, which it stores
// the lines in itself, or a collector process the log proxy ships to): every line stored once and
// in order, shown on the console and to a follower as it comes, however long the collector is away;
// a deadline that passes is said loudly and marked in the record; SIGKILL of kiln run leaves no
// process of the run behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/index.js';
import { markedProcesses } from '../../contract/proc/index.js';
import { CollectorClient } from '../../collector/client/index.js';
import { exited, KILN, requireBuild, startCollectorIn, waitFor } from '../../testkit/log-proxy-pod.js';

const cleanups: (() => unknown)[] = [];
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((c) => c()),
);

function workdir(pipeline: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-run-logs-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'p.yaml'), pipeline);
  return dir;
}

/** `kiln run p.yaml ARGS --json` in dir, its output collected as it comes. */
function kilnRun(dir: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [KILN, 'run', 'p.yaml', '--json', ...args], {
    cwd: dir,
    env: { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '', ...env },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  cleanups.push(() => child.kill('SIGKILL'));
  const done = new Promise<{ code: number | null; record: RunRecord }>((resolve) =>
    // A killed kiln run prints no record: the test that kills it does not read one.
    child.once('close', (code) => resolve({ code, record: (out.stdout ? JSON.parse(out.stdout) : null) as RunRecord })),
  );
  return { child, out, done };
}

const console = (stderr: string, label: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith(`${label} | `))
    .map((l) => l.slice(label.length + 3));

const pipelineOf = (script: string) =>
  `name: logs\ntasks:\n  t:\n    steps:\n      - name: s\n        run: |\n          ${script}\n`;

async function storedLines(client: CollectorClient, run: string): Promise<string[]> {
  const out: string[] = [];
  let from: string | undefined;
  do {
    const page = await client.readLogs(run, { from, limit: 10_000 });
    out.push(...page.lines.map((l) => l.text));
    from = page.next ?? undefined;
  } while (from);
  return out;
}

describe('kiln run: logs and processes', () => {
  beforeAll(requireBuild);

  it('stores and shows every line of a step that prints 400 000 lines as fast as it can', async () => {
    const dir = workdir(pipelineOf('seq 1 400000'));
    const { done, out } = kilnRun(dir, []);
    const { code, record } = await done;
    expect(code).toBe(0);
    expect(record.tasks[0]!.steps[0]).toMatchObject({ logsComplete: true });
    const expected = Array.from({ length: 400_000 }, (_, i) => String(i + 1));
    const shown = console(out.stderr, 't/s');
    expect(shown.length).toBe(expected.length);
    expect(shown.findIndex((l, i) => l !== expected[i])).toBe(-1);
    // The embedded collector ended with kiln run: read its store back through kiln logs.
    const logs = spawn(process.execPath, [KILN, 'logs', record.id], {
      cwd: dir,
      env: { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '' },
    });
    let text = '';
    logs.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    await exited(logs);
    const stored = text.split('\n').slice(0, -1);
    expect(stored.length).toBe(expected.length);
    expect(stored.findIndex((l, i) => l !== expected[i])).toBe(-1);
  });

  it('loses no line while its --collector is SIGKILLed and restarted 5 s later', async () => {
    const coll = await startCollectorIn(workdir(''));
    cleanups.push(() => coll.proc?.kill('SIGKILL'));
    const dir = workdir(pipelineOf('for i in $(seq 1 80); do echo line $i; sleep 0.05; done'));
    const run = kilnRun(dir, ['--collector', coll.url], { KILN_COLLECTOR_SECRET: collectorSecret(coll.stateDir) });
    await waitFor('the first line', () => run.out.stderr.includes('t/s | line 5'));
    await coll.kill();
    await waitFor('the last line', () => run.out.stderr.includes('t/s | line 80'));
    await new Promise((r) => setTimeout(r, 5000)); // the outage itself, not a synchronisation
    await coll.start();
    const { code, record } = await run.done;
    expect(code).toBe(0);
    expect(record.tasks[0]!.steps[0]).toMatchObject({ logsComplete: true });
    const stored = await storedLines(new CollectorClient(coll.url, coll.readerToken), record.id);
    expect(stored).toEqual(Array.from({ length: 80 }, (_, i) => `line ${i + 1}`));
  });

  it("says which step's logs are incomplete, how many lines and where the spool is, once --log-deadline passes", async () => {
    const coll = await startCollectorIn(workdir(''));
    cleanups.push(() => coll.proc?.kill('SIGKILL'));
    const dir = workdir(pipelineOf('echo before; sleep 0.5; seq 1 1000'));
    const run = kilnRun(dir, ['--collector', coll.url, '--log-deadline', '1s'], {
      KILN_COLLECTOR_SECRET: collectorSecret(coll.stateDir),
    });
    await waitFor('the first line', () => run.out.stderr.includes('t/s | before'));
    await coll.kill();
    const { record } = await run.done;
    const s = record.tasks[0]!.steps[0]!;
    expect(s.logsComplete).toBe(false);
    expect(s.logsUndelivered!.lines).toBeGreaterThanOrEqual(1000);
    expect(existsSync(s.logsUndelivered!.spool)).toBe(true);
    expect(run.out.stderr).toContain(
      `kiln: logs of t/s incomplete: ${s.logsUndelivered!.lines} lines not delivered to ${coll.url}; the spool is kept at ${s.logsUndelivered!.spool}`,
    );
  });

  it('kiln logs -f elsewhere follows a running local run, whose lines kiln run stores itself', async () => {
    const go = join(tmpdir(), `kiln-follow-go-${process.pid}`);
    cleanups.push(() => rmSync(go, { force: true }));
    const dir = workdir(
      pipelineOf(`echo first; touch started; while [ ! -e ${go} ]; do sleep 0.05; done; echo second`),
    );
    const run = kilnRun(dir, []);
    await waitFor('the step to start', () => startedIn(dir));
    const runName = readdirSync(join(dir, '.kiln/runs'))[0]!;
    const follow = spawn(process.execPath, [KILN, 'logs', runName, '-f'], {
      cwd: dir,
      env: { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '', KILN_DATABASE_URL: '' },
    });
    cleanups.push(() => follow.kill('SIGKILL'));
    let followed = '';
    follow.stdout!.on('data', (d: Buffer) => (followed += d.toString()));
    // Seen while the step still waits: stored as it came, not when the task run ended.
    await waitFor('the first line through the follow', () => followed.includes('first'), 30_000);
    expect(followed).not.toContain('second');
    writeFileSync(go, '');
    const { code, record } = await run.done;
    expect(code).toBe(0);
    expect(record.tasks[0]!.steps[0]).toMatchObject({ logsComplete: true });
    expect(await exited(follow)).toBe(0);
    expect(followed.trim().split('\n')).toEqual(['first', 'second']);
  });

  it('leaves no process of the run when kiln run itself is SIGKILLed', async () => {
    const dir = workdir(
      pipelineOf(`trap '' TERM; setsid sh -c 'while :; do sleep 1; done' & touch started; while :; do sleep 1; done`),
    );
    const run = kilnRun(dir, []);
    // A step without a workspace runs in its task run's directory, where it touches `started`.
    await waitFor('the step to start', () => startedIn(dir));
    const runName = readdirSync(join(dir, '.kiln/runs'))[0]!;
    // The step's shell, the shell it setsid's and a `sleep` of either loop (kiln run's early runner
    // carries kiln run's own marker). Waited for, not read once: when `started` appears neither loop
    // may have begun its first sleep, and a process in its exec has no environment to read.
    await waitFor("the run's processes to be seen", () => markedProcesses(runName).length >= 3);
    run.child.kill('SIGKILL');
    await exited(run.child as ChildProcess);
    await waitFor('no process of the run', () => markedProcesses(runName).length === 0, 30_000);
  });
});

function collectorSecret(stateDir: string): string {
  return readFileSync(join(stateDir, 'collector-secret'), 'utf8').trim();
}

function startedIn(dir: string): boolean {
  const runs = join(dir, '.kiln/runs');
  if (!existsSync(runs)) return false;
  return readdirSync(runs).some((r) => readdirSync(join(runs, r)).some((t) => existsSync(join(runs, r, t, 'started'))));
}

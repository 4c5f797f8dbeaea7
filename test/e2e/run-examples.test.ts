// End to end: `node bin/kiln.js run` on each example and on small failing/cancelled pipelines,
// through the built CLI and the real agent. Needs `npm run build` first (make test does it).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/index.js';

const repo = resolve(import.meta.dirname, '../..');
// Every run starts in the scratch directory, so its .kiln/ (history, run directories, cache) is the
// test's, never the repository's; the examples are read from the repository by absolute path.
const scratch = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
const example = (path: string) => join(repo, 'examples', path);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(() => {
  if (!existsSync(join(repo, 'dist/kiln.mjs'))) throw new Error('dist/kiln.mjs is missing: run `npm run build` first');
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kiln(args: string[], opts: { onStart?: (pid: number) => void } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, 'bin/kiln.js'), ...args], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    opts.onStart?.(child.pid!);
  });
}

/** Polls a condition (a file, a process) with a bounded wait: there is no event to wait on. */
async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A process that has exited (a zombie not yet reaped counts: it runs no more). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Every live descendant of a process (children, their children…), read from /proc. */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended while the table was read
    }
  }
  const found = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parentOf)
      if (found.has(ppid) && !found.has(pid)) {
        found.add(pid);
        grew = true;
      }
  }
  found.delete(root);
  return [...found];
}

/** The run record: the JSON document that ends stdout. */
function recordOf(r: CliResult): RunRecord {
  const start = r.stdout.indexOf('{');
  if (start < 0) throw new Error(`no JSON on stdout; stderr:\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(start)) as RunRecord;
}

const statuses = (rec: RunRecord) =>
  Object.fromEntries(
    rec.tasks.map((t) => [t.matrix ? `${t.name}[${Object.values(t.matrix).join(',')}]` : t.name, t.status]),
  );

function pipelineFile(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

describe('kiln run (end to end)', () => {
  it('runs the node-app demo: install, lint, test, build, and the digest reaches the smoke test', async () => {
    // A copy: npm ci writes node_modules into the source workspace.
    const source = join(scratch, 'node-app');
    cpSync(example('node-app'), source, { recursive: true, filter: (src) => !src.includes('node_modules') });
    const r = await kiln(['run', example('node-app/pipeline.yaml'), '--workspace', `source=${source}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rec = recordOf(r);
    expect(rec).toMatchObject({ name: 'node-app', status: 'Succeeded', engine: 'local' });
    expect(rec.id).toMatch(/^node-app-[a-z0-9]{5}$/);
    expect(statuses(rec)).toEqual({
      install: 'Succeeded',
      lint: 'Succeeded',
      test: 'Succeeded',
      build: 'Succeeded',
      'smoke-test': 'Succeeded',
      report: 'Succeeded',
    });
    const digest = rec.tasks.find((t) => t.name === 'build')!.results.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.stderr).toContain(`smoke-test/verify-digest | expected ${digest}`);
    expect(rec.results).toEqual({ digest });
    expect(r.stderr).toContain('smoke-test/run-app | hello-from-kiln');
    expect(existsSync(join(scratch, '.kiln/runs', rec.id))).toBe(false);
  });

  it('runs the fan-out example with its matrix, and skips publish by `when` on another channel', async () => {
    const stable = recordOf(await kiln(['run', example('fan-out.yaml'), '--json']));
    expect(stable.status).toBe('Succeeded');
    expect(stable.tasks.filter((t) => t.name === 'build').map((t) => t.matrix)).toHaveLength(4);
    expect(
      stable.tasks
        .find((t) => t.name === 'publish')!
        .results.artifacts!.trim()
        .split('\n'),
    ).toEqual(['app-darwin-amd64', 'app-darwin-arm64', 'app-linux-amd64', 'app-linux-arm64']);

    const dev = await kiln(['run', example('fan-out.yaml'), '--param', 'channel=dev', '--json']);
    expect(dev.code).toBe(0);
    const rec = recordOf(dev);
    expect(rec.tasks.find((t) => t.name === 'publish')).toMatchObject({
      status: 'Skipped',
      reason: 'WhenExpressionsFalse',
    });
    expect(rec.tasks.find((t) => t.name === 'docs')).toMatchObject({
      status: 'Skipped',
      reason: 'WhenExpressionsFalse',
    });
    expect(dev.stderr).toContain('notify/step-1 | run ' + rec.id + ': tasks Completed, publish None');
  });

  it('runs the Tekton Tasks + Pipeline + PipelineRun unchanged', async () => {
    const files = ['tasks.yaml', 'pipeline.yaml', 'pipelinerun.yaml'].map((f) => example(`tekton/${f}`));
    const r = await kiln(['run', ...files, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rec = recordOf(r);
    expect(statuses(rec)).toEqual({
      version: 'Succeeded',
      check: 'Succeeded',
      publish: 'Succeeded',
      summary: 'Succeeded',
    });
    expect(rec.tasks[0]!.results.version).toBe(`3.0.${rec.id}-version`);
    expect(rec.results).toEqual({ released: rec.tasks[0]!.results.version });
    expect(r.stderr).toContain('summary/print | pipeline finished with Succeeded');
    expect(r.stderr).toContain('check/list | suites: unit e2e');
  });

  it('passes a result over the 4096-byte termination message through the collector', async () => {
    const file = pipelineFile(
      'big-result.yaml',
      `name: big-result
tasks:
  make:
    results: [big, small]
    steps:
      - run: head -c 300000 /dev/zero | tr '\\0' k > $(results.big.path); printf hi > $(results.small.path)
  use:
    steps:
      - run: |
          v='$(tasks.make.results.big)'
          echo "length \${#v} and $(tasks.make.results.small)"
results:
  big: $(tasks.make.results.big)
`,
    );
    const r = await kiln(['run', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rec = recordOf(r);
    expect(rec.tasks[0]!.results).toEqual({ big: 'k'.repeat(300_000), small: 'hi' });
    expect(r.stderr).toContain('use/step-1 | length 300000 and hi');
    expect(rec.results!.big).toHaveLength(300_000);
  });

  it('prints prefixed output and status lines when not a terminal, and exits 1 on a failed run', async () => {
    const file = pipelineFile(
      'fail.yaml',
      'name: fails\ntasks:\n  bad:\n    steps:\n      - name: boom\n        run: echo about to fail; exit 4\n  next:\n    needs: [bad]\n    steps: [{ run: echo never }]\n',
    );
    const r = await kiln(['run', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('bad/boom | about to fail');
    expect(r.stdout).toMatch(/✘ bad +Failed .*step boom exited 4/);
    expect(r.stdout).toMatch(/○ next +Skipped .*PipelineFailing/);
    expect(r.stdout).not.toContain('never');
  });

  it('exits 2 with FILE:LINE:COL for a bad pipeline and for a bad flag, running nothing', async () => {
    const file = pipelineFile(
      'bad.yaml',
      'name: bad\ntasks:\n  a:\n    needs: [missing]\n    steps: [{ run: echo hi }]\n',
    );
    const r = await kiln(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4:`);
    expect(r.stdout).not.toContain('hi');
    const flag = await kiln(['run', example('fan-out.yaml'), '--workspace', 'nope=/tmp']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/has no workspace "nope"/);
    const conc = await kiln(['run', example('fan-out.yaml'), '--concurrency', '0']);
    expect(conc.code).toBe(2);
  });

  it('Ctrl-C cancels the run: every step process ends, the record says Cancelled, exit 130', async () => {
    const pidFile = join(scratch, 'sleeper.pid');
    const file = pipelineFile(
      'sleep.yaml',
      `name: sleeps\ntasks:\n  wait:\n    steps:\n      - run: echo $$ > ${pidFile}; exec sleep 60\n  later:\n    needs: [wait]\n    steps: [{ run: echo never }]\n`,
    );
    let kilnPid = 0;
    const running = kiln(['run', file, '--json'], { onStart: (pid) => (kilnPid = pid) });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the step to start');
    const stepPid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(kilnPid, 'SIGINT');
    const r = await running;
    expect(r.code).toBe(130);
    const rec = recordOf(r);
    expect(rec.status).toBe('Cancelled');
    expect(statuses(rec)).toEqual({ wait: 'Cancelled', later: 'Skipped' });
    expect(() => process.kill(stepPid, 0)).toThrow();
  });

  it('kiln killed with SIGKILL leaves no step running: the agents see their parent go', async () => {
    const pidFile = join(scratch, 'orphan.pid');
    const file = pipelineFile(
      'orphan.yaml',
      `name: orphans\ntasks:\n  wait:\n    steps:\n      - run: echo $$ > ${pidFile}; exec sleep 60\n`,
    );
    let kilnPid = 0;
    const running = kiln(['run', file], { onStart: (pid) => (kilnPid = pid) });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the step to start');
    const stepPid = Number(readFileSync(pidFile, 'utf8'));
    // The agents too, not only the step: one still writing its files after kiln died would be a
    // process left behind (and once raced this file's clean-up of the scratch directory).
    const spawned = descendantsOf(kilnPid);
    expect(spawned).toContain(stepPid);
    process.kill(kilnPid, 'SIGKILL');
    expect((await running).code).toBe(null);
    for (const pid of spawned) await until(() => gone(pid), `process ${pid} to end after kiln was killed`);
  });
});

// `node bin/kiln.js run … --json` as a child process: its exit code, run record and stderr; the
// child itself for tests that signal it. Needs `npm run build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { RunRecord } from '../contract/index.js';

export const REPO = resolve(import.meta.dirname, '..');

export interface KilnRunResult {
  code: number | null;
  record: RunRecord;
  stderr: string;
}

export interface KilnRun {
  child: ChildProcess;
  /** Resolves once `text` has appeared on stderr (step output goes there with --json). */
  stderrShows(text: string): Promise<void>;
  done: Promise<KilnRunResult>;
}

export function startKilnRun(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): KilnRun {
  const child = spawn(process.execPath, [join(REPO, 'bin/kiln.js'), 'run', ...args, '--json'], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; done: () => void }[] = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.filter((w) => stderr.includes(w.text))) w.done();
  });
  const done = new Promise<KilnRunResult>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      try {
        ok({ code, stderr, record: JSON.parse(stdout.slice(stdout.indexOf('{'))) as RunRecord });
      } catch (err) {
        fail(new Error(`no run record on stdout (${(err as Error).message}); stderr:\n${stderr}`));
      }
    });
  });
  const stderrShows = (text: string) =>
    stderr.includes(text) ? Promise.resolve() : new Promise<void>((ok) => waiters.push({ text, done: ok }));
  return { child, stderrShows, done };
}

export const kilnRun = (args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  startKilnRun(args, opts).done;

/** `kiln logs RUN` in the run's directory: every stored line. */
export function kilnLogs(runId: string, opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/kiln.js'), 'logs', runId], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('error', fail);
    child.on('close', () => ok(out));
  });
}

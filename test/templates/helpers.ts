// Shared by the catalog tests: the built CLI (`node bin/kiln.js`, after `npm run build`) in a
// child process, asynchronously so a test's own HTTP server can answer while a pipeline runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunRecord } from '../../contract/index.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CATALOG = join(ROOT, 'templates');

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/kiln.mjs'))) throw new Error('dist/kiln.mjs is missing: run `npm run build` first');
}

/** Runs in `cwd` (by default the system's temporary directory, never the repository). `onStderr` sees the stderr read so far after each chunk: how a test reacts to a running step. */
export function kiln(args: string[], cwd = tmpdir(), onStderr?: (soFar: string) => void): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/kiln.js'), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A scratch directory removed by the returned function (afterAll). */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `kiln-templates-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `yaml` as `<dir>/<name>.yaml`, runs it with `--json` (cwd `dir`: its .kiln/ stays there) and parses the record. */
export async function runPipeline(
  dir: string,
  name: string,
  yaml: string,
  extra: string[] = [],
  onStderr?: (soFar: string) => void,
): Promise<Outcome & { record: RunRecord }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const out = await kiln(['run', file, '--json', ...extra], dir, onStderr);
  try {
    return { ...out, record: JSON.parse(out.stdout) as RunRecord };
  } catch (err) {
    throw new Error(`no run record on stdout (${(err as Error).message}); exit ${out.code}, stderr:\n${out.stderr}`);
  }
}

export function task(record: RunRecord, name: string) {
  const t = record.tasks.find((x) => x.name === name);
  if (!t) throw new Error(`no task ${name} in the record: ${record.tasks.map((x) => x.name).join(', ')}`);
  return t;
}

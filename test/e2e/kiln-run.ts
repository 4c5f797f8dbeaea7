// `node bin/kiln.js run PIPELINE --json` as a child process, for the cache's end-to-end tests.
// Needs `npm run build` first (make test does it).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RunRecord } from '../../contract/index.js';

export const repo = resolve(import.meta.dirname, '../..');

export function assertBuilt(): void {
  if (!existsSync(join(repo, 'dist/kiln.mjs'))) throw new Error('dist/kiln.mjs is missing: run `npm run build` first');
}

/**
 * Runs the pipeline with `source` bound to `workspace` and the given cache directory, in the cache
 * directory's parent (a test's scratch directory: the run's .kiln/ stays there).
 */
export function kilnRun(
  pipeline: string,
  workspace: string,
  cacheDir: string,
): Promise<{ code: number | null; record: RunRecord; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        join(repo, 'bin/kiln.js'),
        'run',
        pipeline,
        '--workspace',
        `source=${workspace}`,
        '--cache-dir',
        cacheDir,
        '--json',
      ],
      { cwd: dirname(cacheDir), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      try {
        done({ code, stderr, record: JSON.parse(stdout.slice(stdout.indexOf('{'))) as RunRecord });
      } catch (err) {
        fail(new Error(`no run record on stdout (${(err as Error).message}); stderr:\n${stderr}`));
      }
    });
  });
}

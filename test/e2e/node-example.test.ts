// End to end: the Node example run twice with `kiln run --json` in fresh workspaces sharing one
// cache directory. The first run misses and saves node_modules; the second restores it, its install
// step downloads nothing, and lint (which imports the dependency) runs on the restored tree.
// Needs `npm run build` first (make test does it).
import { existsSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, kilnRun as kilnRunPipeline, repo } from './kiln-run.js';
import { describeTree } from '../agent/cache/tree.js';

const example = join(repo, 'examples/node-app');

beforeAll(assertBuilt);

const kilnRun = (workspace: string, cacheDir: string) =>
  kilnRunPipeline(join(example, 'pipeline.yaml'), workspace, cacheDir);

/** A fresh checkout of the example: its sources, never a node_modules. */
async function freshWorkspace(root: string, name: string): Promise<string> {
  const ws = join(root, name);
  await cp(example, ws, { recursive: true, filter: (src) => !src.includes('node_modules') });
  return ws;
}

const installOutput = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('install/npm-ci'))
    .join('\n');

describe('the Node example with a dependency cache', () => {
  it('misses and saves on the first run, hits and downloads nothing on the second', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-cache-e2e-'));
    const cacheDir = join(root, 'cache');

    const ws1 = await freshWorkspace(root, 'ws1');
    const first = await kilnRun(ws1, cacheDir);
    expect(first.code, first.stderr).toBe(0);
    const install1 = first.record.tasks.find((t) => t.name === 'install')!.steps[0]!;
    expect(install1.cache).toMatchObject({ hit: false, matchedKey: null, restoredBytes: 0, saved: true });
    expect(install1.cache!.key).toMatch(/^npm-[0-9a-f]{64}$/);
    expect(installOutput(first.stderr)).toMatch(/added 1 package/);

    const ws2 = await freshWorkspace(root, 'ws2');
    expect(existsSync(join(ws2, 'node_modules'))).toBe(false);
    const second = await kilnRun(ws2, cacheDir);
    expect(second.code, second.stderr).toBe(0);
    const install2 = second.record.tasks.find((t) => t.name === 'install')!.steps[0]!;
    expect(install2.cache).toMatchObject({
      key: install1.cache!.key,
      matchedKey: install1.cache!.key,
      hit: true,
      saved: false,
    });
    expect(install2.cache!.restoredBytes).toBeGreaterThan(0);
    const out2 = installOutput(second.stderr);
    expect(out2).toContain('nothing to download');
    expect(out2).not.toMatch(/added \d+ package/);
    // lint imports the restored dependency: the tree is usable, and identical to the first one.
    expect(second.record.tasks.find((t) => t.name === 'lint')!.status).toBe('Succeeded');
    expect(await describeTree(join(ws2, 'node_modules'))).toEqual(await describeTree(join(ws1, 'node_modules')));
  });
});

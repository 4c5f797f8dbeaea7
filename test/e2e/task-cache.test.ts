// End to end: a task-level `cache:` through `kiln run --json`. The task's cache is restored before
// its first step and saved after its last one succeeds; the steps between run on the restored tree.
// Needs `npm run build` first (make test does it).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, kilnRun } from './kiln-run.js';

beforeAll(assertBuilt);

// `fetch` stands for a download: it fills deps/ only when nothing was restored.
const pipeline = (fetch: string) => `name: task-cache
workspaces: [source]
tasks:
  build:
    cache: { key: "deps-$(hashFiles('lock'))", restore-keys: [deps-], paths: [deps] }
    steps:
      - name: check
        workingDir: $(workspaces.source.path)
        run: if [ -f deps/fetched ]; then echo "deps present"; else echo "deps absent"; fi
      - name: fetch
        workingDir: $(workspaces.source.path)
        run: ${fetch}
      - name: use
        workingDir: $(workspaces.source.path)
        run: cat deps/fetched
`;
const FETCH = `'if [ ! -f deps/fetched ]; then echo fetching; mkdir -p deps; echo fetched-once > deps/fetched; fi'`;

async function setup(root: string, fetch = FETCH) {
  await mkdir(root, { recursive: true });
  const file = join(root, 'pipeline.yaml');
  await writeFile(file, pipeline(fetch));
  return file;
}

async function freshWorkspace(root: string, name: string): Promise<string> {
  const ws = join(root, name);
  await mkdir(ws);
  await writeFile(join(ws, 'lock'), 'v1');
  return ws;
}

const output = (stderr: string, step: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith(`build/${step}`))
    .join('\n');

describe('a task-level cache', () => {
  it('restores before the first step and saves after the last, once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-task-cache-'));
    const file = await setup(root);
    const cacheDir = join(root, 'cache');

    const first = await kilnRun(file, await freshWorkspace(root, 'ws1'), cacheDir);
    expect(first.code, first.stderr).toBe(0);
    const [check1, fetch1, use1] = first.record.tasks[0]!.steps;
    expect(check1!.cache).toMatchObject({ hit: false, matchedKey: null, restoredBytes: 0, saved: false });
    expect(check1!.cache!.key).toMatch(/^deps-[0-9a-f]{64}$/);
    expect(fetch1!.cache).toBeUndefined();
    expect(use1!.cache).toMatchObject({ key: check1!.cache!.key, saved: true });
    expect(output(first.stderr, 'check')).toContain('deps absent');
    expect(output(first.stderr, 'fetch')).toContain('fetching');
    expect(await readdir(join(cacheDir, 'entries'))).toHaveLength(1);

    const second = await kilnRun(file, await freshWorkspace(root, 'ws2'), cacheDir);
    expect(second.code, second.stderr).toBe(0);
    const [check2, fetch2, use2] = second.record.tasks[0]!.steps;
    expect(check2!.cache).toMatchObject({
      key: check1!.cache!.key,
      matchedKey: check1!.cache!.key,
      hit: true,
      saved: false,
    });
    expect(check2!.cache!.restoredBytes).toBeGreaterThan(0);
    expect(output(second.stderr, 'check')).toContain('deps present');
    expect(output(second.stderr, 'fetch')).not.toContain('fetching');
    expect(fetch2!.cache).toBeUndefined();
    // The last step does not archive what the store already has.
    expect(use2!.cache).toMatchObject({ saved: false });
    expect(output(second.stderr, 'use')).toMatch(/the key already has an entry/);
    expect(await readdir(join(cacheDir, 'entries'))).toHaveLength(1);
  });

  it('saves nothing when a step before the last fails', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-task-cache-'));
    const file = await setup(root, `'mkdir -p deps; echo half > deps/fetched; exit 3'`);
    const cacheDir = join(root, 'cache');
    const run = await kilnRun(file, await freshWorkspace(root, 'ws'), cacheDir);
    expect(run.code).not.toBe(0);
    const [check, fetch, use] = run.record.tasks[0]!.steps;
    expect(check!.cache).toMatchObject({ hit: false });
    expect(fetch!.status).toBe('Failed');
    expect(use!.status).toBe('Skipped');
    expect(use!.cache).toBeUndefined();
    expect(existsSync(join(cacheDir, 'entries')) ? await readdir(join(cacheDir, 'entries')) : []).toEqual([]);
  });
});

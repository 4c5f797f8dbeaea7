// A step cache whose paths name the workspace (`$(workspaces.src.path)/deps`) is keyed by the
// paths as written: a second checkout in another directory restores the first one's entry.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/index.js';
import { requireBuild, runKiln } from '../../testkit/log-proxy-pod.js';

let dir: string;
beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'kiln-cache-ws-'));
  writeFileSync(
    join(dir, 'p.yaml'),
    `name: cached
workspaces: [src]
tasks:
  deps:
    steps:
      - name: install
        cache: { key: deps-v1, paths: ["$(workspaces.src.path)/deps"] }
        run: |
          if [ "$KILN_CACHE_HIT" = true ]; then echo "restored $(cat $(workspaces.src.path)/deps/file)"
          else mkdir -p $(workspaces.src.path)/deps && echo "made in $(workspaces.src.path)" > $(workspaces.src.path)/deps/file; fi
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runIn(checkout: string): Promise<RunRecord> {
  mkdirSync(join(dir, checkout));
  const r = await runKiln(dir, ['run', 'p.yaml', '--workspace', `src=${checkout}`, '--cache-dir', 'cache', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunRecord;
}

describe('a cache path under $(workspaces.src.path)', () => {
  it('is restored into another checkout directory (keyed by the path as written)', async () => {
    const first = await runIn('one');
    expect(first.tasks[0]!.steps[0]!.cache).toMatchObject({ key: 'deps-v1', hit: false, saved: true });
    const second = await runIn('two');
    expect(second.tasks[0]!.steps[0]!.cache).toMatchObject({ key: 'deps-v1', hit: true });
    expect(readFileSync(join(dir, 'two/deps/file'), 'utf8')).toBe(`made in ${join(dir, 'one')}\n`);
  });
});

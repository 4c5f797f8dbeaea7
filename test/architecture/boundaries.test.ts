// The rooms' boundaries (.dependency-cruiser.cjs, run by `npm run lint`): the real tree passes,
// and each rule fails on a small tree that breaks it, e.g. an agent file importing the collector.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(REPO, 'node_modules/.bin/depcruise');
const ROOMS = [
  'agent',
  'cli',
  'collector',
  'contract',
  'controller',
  'engine',
  'export',
  'runtimes',
  'syntax',
  'triggers',
];

async function cruise(cwd: string, dirs: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(DEPCRUISE, ['--config', '.dependency-cruiser.cjs', ...dirs], { cwd });
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let tree: string | undefined;
afterEach(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
  tree = undefined;
});

/** A tree of the given files (path → content) with the project's own rules and TypeScript settings. */
function makeTree(files: Record<string, string>): string {
  tree = mkdtempSync(join(tmpdir(), 'kiln-rooms-'));
  copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(tree, '.dependency-cruiser.cjs'));
  copyFileSync(join(REPO, 'tsconfig.json'), join(tree, 'tsconfig.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  return tree;
}

const faces = {
  'agent/main.ts': "import { KILN_ROOT } from '../contract/index.js';\nexport const root = KILN_ROOT;\n",
  'contract/index.ts': "export const KILN_ROOT = '/kiln';\n",
  'triggers/index.ts': "import { KILN_ROOT } from '../contract/index.js';\nexport const hooks = KILN_ROOT;\n",
  'collector/index.ts': "import { KILN_ROOT } from '../contract/index.js';\nexport const collectorRoot = KILN_ROOT;\n",
  'engine/index.ts': "export { runPipeline } from './driver.js';\n",
  'engine/driver.ts': 'export const runPipeline = () => 0;\n',
  'runtimes/host/index.ts': "import { runPipeline } from '../../engine/index.js';\nexport const host = runPipeline;\n",
  'cli/main.ts':
    "import { runPipeline } from '../engine/index.js';\nimport { host } from '../runtimes/host/index.js';\nexport const run = [runPipeline, host];\n",
};

describe('room boundaries', () => {
  it('hold on the real tree', async () => {
    const r = await cruise(REPO, ROOMS);
    expect(r.output).toMatch(/no dependency violations found/);
    expect(r.ok).toBe(true);
  });

  it('pass a small tree that keeps them', async () => {
    const r = await cruise(makeTree(faces), [
      'agent',
      'cli',
      'collector',
      'contract',
      'engine',
      'runtimes',
      'triggers',
    ]);
    expect(r.output).toMatch(/no dependency violations found/);
  });

  it.each([
    [
      'an agent file importing the collector',
      'agent/log.ts',
      "import '../collector/index.js';\n",
      'agent-imports-only-contract',
    ],
    [
      'the collector importing the engine',
      'collector/runs.ts',
      "import '../engine/index.js';\n",
      'collector-imports-only-contract',
    ],
    [
      'the engine importing a runtime',
      'engine/host.ts',
      "import '../runtimes/host/index.js';\n",
      'engine-imports-no-runtime-or-cli',
    ],
    [
      'triggers importing a runtime',
      'triggers/serve.ts',
      "import '../runtimes/host/index.js';\n",
      'triggers-imports-only-syntax-and-contract',
    ],
    ['the contract importing a part', 'contract/more.ts', "import '../engine/index.js';\n", 'contract-imports-nothing'],
    ['a room reaching past an index', 'cli/direct.ts', "import '../engine/driver.js';\n", 'only-through-index'],
    [
      'production code importing a test helper',
      'cli/helper.ts',
      "import '../test/helpers.js';\n",
      'product-imports-no-test-or-bench',
    ],
    ['a cycle', 'engine/driver.ts', "import './index.js';\nexport const runPipeline = () => 0;\n", 'no-circular'],
  ])('fail on %s', async (_what, path, text, rule) => {
    const r = await cruise(makeTree({ ...faces, [path]: text, 'test/helpers.ts': 'export {};\n' }), [
      'agent',
      'cli',
      'collector',
      'contract',
      'engine',
      'runtimes',
      'triggers',
    ]);
    expect(r.ok).toBe(false);
    expect(r.output).toContain(rule);
  });
});

// Catalog templates run for real (`kiln run --json`, steps as host processes): git/clone from a
// bare repository made here (file:// URL), node/test and python/test on the projects it holds,
// gate/quality on another task's result; then the ways they fail.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runPipeline, scratch, task } from './helpers.js';

const tmp = scratch('runs');
afterAll(tmp.remove);

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.name=kiln', '-c', 'user.email=kiln@example.invalid', '-c', 'init.defaultBranch=trunk', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();

/** Writes files (path -> text) under dir. */
function tree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** A dependency-free Node project whose `npm test` prints `marker` or fails. */
function nodeProject(marker: string, pass: boolean): Record<string, string> {
  return {
    'package.json': JSON.stringify({
      name: 'tiny',
      version: '1.0.0',
      private: true,
      scripts: { test: 'node test.js' },
    }),
    'package-lock.json': JSON.stringify({
      name: 'tiny',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'tiny', version: '1.0.0' } },
    }),
    'test.js': `const assert = require('node:assert');\nassert.strictEqual(1 + 1, ${pass ? 2 : 3});\nconsole.log(${JSON.stringify(marker)});\n`,
  };
}

let bare: string;
let commit: string;

beforeAll(() => {
  assertBuilt();
  // A repository on branch trunk with a Node and a Python project, pushed to a bare one.
  const work = join(tmp.dir, 'work');
  bare = join(tmp.dir, 'origin.git');
  mkdirSync(work);
  git(tmp.dir, 'init', '-q', '--bare', bare);
  git(work, 'init', '-q');
  tree(join(work, 'web'), nodeProject('tiny: node tests passed', true));
  tree(join(work, 'py'), {
    'test_sums.py':
      'import unittest\n\nclass Sums(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(1 + 1, 2)\n',
  });
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'projects');
  git(work, 'push', '-q', bare, 'trunk');
  commit = git(bare, 'rev-parse', 'trunk');
});

describe('catalog templates, run locally', () => {
  it('clone -> node/test + python/test, and a quality gate on a measured result, all succeed', async () => {
    const source = join(tmp.dir, 'source-ok');
    mkdirSync(source);
    const r = await runPipeline(
      tmp.dir,
      'ok',
      `name: ok
workspaces: [source]
tasks:
  clone:
    uses: git/clone
    with: { url: "file://${bare}", revision: trunk, dir: app }
  node:
    needs: [clone]
    uses: node/test
    with: { dir: app/web, install-flags: --offline }
  python:
    needs: [clone]
    uses: python/test
    with: { dir: app/py }
  measure:
    results: [coverage]
    steps: [{ run: "printf '91.25\\\\n' > $(results.coverage.path)" }]
  gate:
    uses: gate/quality
    with: { value: "$(tasks.measure.results.coverage)", min: "90", max: "100", label: coverage }
`,
      ['--workspace', `source=${source}`],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.record.status).toBe('Succeeded');
    expect(task(r.record, 'clone').results).toEqual({ commit });
    expect(git(join(source, 'app'), 'rev-parse', 'HEAD')).toBe(commit);
    expect(task(r.record, 'node').steps.map((s) => [s.name, s.status])).toEqual([
      ['install', 'Succeeded'],
      ['test', 'Succeeded'],
    ]);
    expect(r.stderr).toContain('node/test | tiny: node tests passed');
    expect(r.stderr).toMatch(/python\/test \| .*(1 passed|OK)/);
    expect(task(r.record, 'gate').results).toEqual({ passed: 'true' });
    expect(r.stderr).toContain('gate/check | gate/quality: PASS coverage 91.25 (min 90, max 100)');
  });

  it('fails a task for a crossed gate, a bad number, a failing npm test and a missing revision', async () => {
    const source = join(tmp.dir, 'source-bad');
    tree(join(source, 'web'), nodeProject('never printed', false));
    const r = await runPipeline(
      tmp.dir,
      'bad',
      `name: bad
workspaces: [source]
tasks:
  above: { uses: gate/quality, with: { value: "10.000001", max: "10" } }
  below: { uses: gate/quality, with: { value: "-3", min: "-2.5", label: errors } }
  junk: { uses: gate/quality, with: { value: "1; touch pwned", max: "2" } }
  node: { uses: node/test, with: { dir: web } }
  clone: { uses: git/clone, with: { url: "file://${bare}", revision: no-such-branch, dir: other } }
`,
      ['--workspace', `source=${source}`],
    );
    expect(r.code).toBe(1);
    const status = Object.fromEntries(r.record.tasks.map((t) => [t.name, t.status]));
    expect(status).toEqual({ above: 'Failed', below: 'Failed', junk: 'Failed', node: 'Failed', clone: 'Failed' });
    expect(task(r.record, 'above').results).toEqual({ passed: 'false' });
    expect(r.stderr).toContain('above/check | gate/quality: FAIL value 10.000001 is above the maximum 10');
    expect(r.stderr).toContain('below/check | gate/quality: FAIL errors -3 is below the minimum -2.5');
    expect(r.stderr).toContain(
      'junk/check | gate/quality: value must be a decimal number (at most 12 digits . 6 digits), got "1; touch pwned"',
    );
    expect(task(r.record, 'junk').steps[0]!.exitCode).toBe(2);
    expect(existsSync(join(source, 'pwned'))).toBe(false); // the value was checked, never run
    expect(task(r.record, 'node').steps.map((s) => [s.name, s.status])).toEqual([
      ['install', 'Succeeded'],
      ['test', 'Failed'],
    ]);
    expect(r.stderr).not.toContain('never printed');
    expect(r.stderr).toMatch(/clone\/clone \| fatal: couldn't find remote ref no-such-branch/);
  });
});

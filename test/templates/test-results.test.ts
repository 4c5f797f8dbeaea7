// The language test templates' results (templates/lib/test-results.sh): the counts and coverage
// read from each tool's own output (samples of jest, mocha, vitest, pytest, unittest, go, maven),
// and for real: node --test, go test and unittest projects run by kiln, a quality gate on the
// coverage result, and a failing test's exit code kept.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CATALOG, runPipeline, scratch, task } from './helpers.js';

const tmp = scratch('results');
afterAll(tmp.remove);

function counts(format: string, log: string): string {
  const file = join(tmp.dir, `${format}.log`);
  writeFileSync(file, log);
  return execFileSync('sh', ['-c', `. "${CATALOG}/lib/test-results.sh"; test_counts "$1" "$2"`, 'sh', format, file], {
    encoding: 'utf8',
  }).trim();
}

describe('test counts from tool output', () => {
  it.each([
    [
      'node',
      'TAP (node --test)',
      '# tests 7\n# pass 6\n# fail 1\n# all files | 83.33 | 50.00 | 100.00 |\n',
      '6 1 83.33',
    ],
    [
      'node',
      'jest',
      'Tests:       2 failed, 9 passed, 11 total\nAll files |   91.3 |   80 |  100 |  91.3 |\n',
      '9 2 91.3',
    ],
    ['node', 'mocha', '  12 passing (30ms)\n  3 failing\n', '12 3 -'],
    ['node', 'vitest', ' Tests  1 failed | 4 passed (5)\n', '4 1 -'],
    ['node', 'nothing countable', 'ok\n', '- - -'],
    ['python', 'pytest', '==== 1 failed, 5 passed, 1 error in 0.31s ====\nTOTAL     120     12    90%\n', '5 2 90'],
    ['python', 'unittest OK', 'Ran 4 tests in 0.001s\n\nOK (skipped=1)\n', '3 0 -'],
    ['python', 'unittest FAILED', 'Ran 5 tests in 0.002s\n\nFAILED (failures=1, errors=1)\n', '3 2 -'],
    [
      'go',
      'go test -v -cover',
      '--- PASS: TestA (0.00s)\n    --- PASS: TestA/sub (0.00s)\n--- FAIL: TestB (0.00s)\ncoverage: 80.0% of statements\nok  x 0.1s  coverage: 60.0% of statements\n',
      '2 1 70.0',
    ],
    [
      'maven',
      'surefire',
      '[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.1 s - in a.BTest\n[INFO] Tests run: 10, Failures: 1, Errors: 1, Skipped: 2\n',
      '6 2 -',
    ],
  ])('%s: %s', (format, _what, log, want) => {
    expect(counts(format, log)).toBe(want);
  });
});

const PIPELINE = `
name: measured
workspaces: [source]
tasks:
  node: { uses: node/test, with: { dir: web } }
  go: { uses: go/test, with: { dir: mod } }
  python: { uses: python/test, with: { dir: py, runner: unittest } }
  coverage:
    uses: gate/quality
    with: { value: "$(tasks.node.results.coverage)", min: "50", label: coverage }
`;

describe('test templates run for real', () => {
  beforeAll(() => {
    assertBuilt();
    const src = join(tmp.dir, 'src');
    const files: Record<string, string> = {
      'web/package.json': JSON.stringify({
        name: 'w',
        version: '1.0.0',
        scripts: { test: 'node --test --experimental-test-coverage' },
      }),
      'web/package-lock.json': JSON.stringify({
        name: 'w',
        version: '1.0.0',
        lockfileVersion: 3,
        packages: { '': { name: 'w', version: '1.0.0' } },
      }),
      'web/lib.js': 'exports.add = (a, b) => a + b;\nexports.unused = () => {\n  return 0;\n};\n',
      'web/lib.test.js':
        "const test = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./lib.js');\ntest('adds', () => assert.strictEqual(add(1, 2), 3));\ntest('adds zero', () => assert.strictEqual(add(1, 0), 1));\n",
      'mod/go.mod': 'module tiny\n\ngo 1.22\n',
      'mod/tiny.go': 'package tiny\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Unused() int { return 0 }\n',
      'mod/tiny_test.go':
        'package tiny\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("add")\n\t}\n}\n',
      'py/test_x.py':
        'import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n        self.assertEqual(1 + 1, 2)\n    def test_b(self):\n        self.assertTrue(True)\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(src, path, '..'), { recursive: true });
      writeFileSync(join(src, path), text);
    }
  });

  it('emits passed, failed and coverage, and a quality gate reads the coverage', async () => {
    const r = await runPipeline(tmp.dir, 'measured', PIPELINE, ['--workspace', `source=${join(tmp.dir, 'src')}`]);
    expect(r.record.status, r.stderr).toBe('Succeeded');
    expect(task(r.record, 'node').results).toMatchObject({ passed: '2', failed: '0' });
    const nodeCoverage = Number(task(r.record, 'node').results.coverage);
    expect(nodeCoverage).toBeGreaterThan(50);
    expect(nodeCoverage).toBeLessThan(100);
    expect(task(r.record, 'go').results).toEqual({ passed: '1', failed: '0', coverage: '50.0' });
    expect(task(r.record, 'python').results).toEqual({ passed: '2', failed: '0', coverage: '' });
    expect(task(r.record, 'coverage').results).toEqual({ passed: 'true' });
    expect(r.stderr).toContain('test results: passed=2 failed=0 coverage=');
  });

  it('a failing test fails the step with its own exit code, the counts still written', async () => {
    writeFileSync(
      join(tmp.dir, 'src/web/lib.test.js'),
      "require('node:test')('breaks', () => { throw new Error('no'); });\n",
    );
    const r = await runPipeline(
      tmp.dir,
      'failing',
      'name: failing\nworkspaces: [source]\ntasks:\n  node: { uses: node/test, with: { dir: web } }\n',
      ['--workspace', `source=${join(tmp.dir, 'src')}`],
    );
    expect(r.record.status).toBe('Failed');
    expect(task(r.record, 'node').steps.find((s) => s.name === 'test')!.exitCode).toBe(1);
    expect(r.stderr).toContain('test results: passed=0 failed=1');
  });
});

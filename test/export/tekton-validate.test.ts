// What `kiln export --to tekton` writes is checked by Tekton's own code (SetDefaults + Validate of
// the tektoncd/pipeline module, test/tekton-validate/), and `kiln validate` reads it back: for every
// example in examples/ and every Tekton case of the tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../testkit/kiln-cli.js';
import { tektonValidator, validateWithTekton } from '../../testkit/tekton-validate.js';
import { caseExpectations, CASES, tektonCases } from '../../testkit/tekton-cases.js';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-tekton-validate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let validator = '';
// A first build on a fresh machine downloads the modules and compiles them: minutes, once.
beforeAll(() => void (validator = tektonValidator()), 900_000);

const kiln = (args: string[]) =>
  spawnSync(process.execPath, [join(REPO, 'bin/kiln.js'), ...args], { cwd: scratch, encoding: 'utf8' });

/**
 * The feature flags an export says it needs, from its header comment (export/tekton-gates.ts):
 * `#   enable-artifacts: "true"  (…)`.
 */
function gatesOf(text: string): Record<string, string> {
  const header = /^# kiln export --to tekton: Tekton must run with these feature flags[^\n]*\n((?:# {3}.*\n)*)/.exec(
    text,
  );
  const lines = header?.[1]?.split('\n').filter(Boolean) ?? [];
  return Object.fromEntries(lines.map((l) => /^# {3}([\w-]+): "([^"]*)"/.exec(l)!.slice(1, 3) as [string, string]));
}

/**
 * Cases Tekton's webhook refuses even under their flags, and why Kiln still runs them: with
 * enable-cel-in-whenexpression on, Tekton compiles a CEL `when` with its type checker at admission
 * ('a' > 1: no overload); Kiln's CEL library has no type checker, so the task run fails at its start
 * (WhenExpressionError), as Tekton's would on an expression its checker lets through.
 */
const TEKTON_REFUSES: Record<string, RegExp> = {
  'step-when-cel-error.yaml': /^FAIL Task\/\S+ \([^)]*\): invalid cel expression: .*found no matching overload/,
};

const inputs: { name: string; files: string[]; args?: string[]; refusedBecause?: string }[] = [
  { name: 'examples/fan-out.yaml', files: ['examples/fan-out.yaml'] },
  {
    name: 'examples/node-app',
    files: ['examples/node-app/pipeline.yaml'],
    // Its report step names no image; the cache is kept (kiln-agent restores and saves it).
    args: ['--default-image', 'busybox'],
  },
  {
    name: 'examples/tekton',
    files: ['tasks.yaml', 'pipeline.yaml', 'pipelinerun.yaml'].map((f) => `examples/tekton/${f}`),
  },
  { name: 'test/export/fixtures', files: ['test/export/fixtures/export-pipeline.yaml'] },
  { name: 'tekton-build.yaml', files: ['test/syntax/fixtures/tekton-build.yaml'] },
  { name: 'kiln-sidecar.yaml', files: ['test/syntax/fixtures/kiln-sidecar.yaml'] },
  {
    name: 'tekton-split',
    files: ['pipeline.yaml', 'tasks.yaml'].map((f) => `test/syntax/fixtures/tekton-split/${f}`),
  },
  {
    name: 'uses-tekton.yaml',
    files: ['test/syntax/fixtures/uses-tekton.yaml'],
    args: ['--default-image', 'busybox'],
  },
  ...tektonCases()
    .filter((c) => caseExpectations(readFileSync(join(CASES, c), 'utf8')).refused === undefined)
    .map((c) => ({ name: `tekton-cases/${c}`, files: [`test/e2e/tekton-cases/${c}`] })),
];

describe("kiln export --to tekton passes Tekton's own validation", () => {
  for (const input of inputs) {
    it(input.name, async () => {
      const out = join(scratch, `${input.name.replaceAll('/', '_')}.yaml`);
      const files = input.files.map((f) => join(REPO, f));
      const exported = kiln(['export', '--to', 'tekton', ...(input.args ?? []), ...files, '-o', out]);
      if (input.refusedBecause) {
        expect(exported.status).not.toBe(0);
        expect(exported.stderr).toContain(input.refusedBecause);
        return;
      }
      expect(exported.status, exported.stderr).toBe(0);
      // Gated fields (a CEL when, artifacts, alpha fields) pass under the flags the export names,
      // and under Tekton's defaults each complaint is one of those flags'.
      const gates = gatesOf(readFileSync(out, 'utf8'));
      const verdict = await validateWithTekton(validator, [out], gates);
      const refused = TEKTON_REFUSES[input.name.replace('tekton-cases/', '')];
      const failedUnderFlags = verdict.lines.filter((l) => !l.startsWith('OK '));
      if (refused) {
        expect(failedUnderFlags.length, verdict.lines.join('\n')).toBe(1);
        expect(failedUnderFlags[0]).toMatch(refused);
      } else {
        expect(failedUnderFlags, verdict.lines.join('\n')).toEqual([]);
        expect(verdict.code).toBe(0);
      }
      expect(verdict.lines.some((l) => l.startsWith('OK Pipeline/'))).toBe(true);
      if (Object.keys(gates).length) {
        const ungated = await validateWithTekton(validator, [out]);
        const failed = ungated.lines.filter((l) => !l.startsWith('OK '));
        expect(failed.length, ungated.lines.join('\n')).toBeGreaterThan(0);
        for (const line of failed)
          expect(
            Object.keys(gates).some((flag) => line.includes(flag)),
            line,
          ).toBe(true);
      }
      const back = kiln(['validate', out]);
      expect(back.status, back.stderr).toBe(0);
    });
  }

  it('the validator fails what Tekton refuses (a matrix param also under params)', async () => {
    const bad = join(scratch, 'bad.yaml');
    const doc = readFileSync(join(REPO, 'test/tekton-validate/testdata/matrix-and-params.yaml'), 'utf8');
    spawnSync('sh', ['-c', `cat > ${bad}`], { input: doc });
    const verdict = await validateWithTekton(validator, [bad]);
    expect(verdict.code).toBe(1);
    expect(verdict.lines.join('\n')).toContain('expected exactly one, got both');
  });
});

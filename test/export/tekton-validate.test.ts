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
 * Cases of Tekton's gated fields: the validator runs with Tekton's default feature flags, so the
 * only complaints allowed (one per document that uses the field) are the gate's:
 * `enable-api-fields: beta` for the alpha fields (stdoutConfig, stderrConfig),
 * `enable-cel-in-whenexpression: false` for a CEL `when`, `enable-artifacts: false` for artifacts.
 */
const ALPHA_GATE =
  /^FAIL Task\/\S+ \([^)]*\): (\S[^;]* requires "enable-api-fields" feature gate to be "alpha" but it is "beta": (; )?)+$/;
const CEL_GATE =
  /^FAIL Task\/\S+ \([^)]*\): (feature flag enable-cel-in-whenexpression should be set to true to use CEL: [^;]*(; )?)+$/;
const ARTIFACTS_GATE =
  /^FAIL (Task|Pipeline)\/\S+ \([^)]*\): feature flag enable-artifacts should be set to true to use artifacts feature\.: [^;]*$/;
const GATED_CASES: Record<string, RegExp> = {
  'step-artifacts.yaml': ARTIFACTS_GATE,
  'task-artifacts.yaml': ARTIFACTS_GATE,
  'stdout-stderr-config.yaml': ALPHA_GATE,
  'step-when.yaml': CEL_GATE,
  'step-when-cel-error.yaml': CEL_GATE,
};

const inputs: { name: string; files: string[]; args?: string[]; refusedBecause?: string; gate?: RegExp }[] = [
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
    .map((c) => ({ name: `tekton-cases/${c}`, files: [`test/e2e/tekton-cases/${c}`], gate: GATED_CASES[c] })),
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
      const verdict = await validateWithTekton(validator, [out]);
      const failed = verdict.lines.filter((l) => !l.startsWith('OK '));
      if (input.gate) {
        expect(failed.length, verdict.lines.join('\n')).toBeGreaterThan(0);
        for (const line of failed) expect(line, verdict.lines.join('\n')).toMatch(input.gate);
      } else {
        expect(failed, verdict.lines.join('\n')).toEqual([]);
        expect(verdict.code).toBe(0);
      }
      // A gated Pipeline was checked too: its one complaint is the gate's (above).
      const pipelineChecked = (l: string) =>
        l.startsWith('OK Pipeline/') || (!!input.gate && l.startsWith('FAIL Pipeline/'));
      expect(verdict.lines.some(pipelineChecked)).toBe(true);
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

// A file of several Tekton runs (two PipelineRuns of one Pipeline, a TaskRun of its Task): kiln run
// runs them at once (or in turn with --in-turn) and says each outcome (exit 1: one failed), kiln validate checks each, and kiln export
// writes each, the documents they share once, which Tekton's own validation accepts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/index.js';
import { loadPipelineFiles, loadRunFiles, SpecError } from '../../syntax/index.js';
import { REPO } from '../../testkit/kiln-cli.js';
import { tektonValidator, validateWithTekton } from '../../testkit/tekton-validate.js';

const FILE = join(REPO, 'test/e2e/fixtures/several-runs.yaml');
const scratch = mkdtempSync(join(tmpdir(), 'kiln-several-runs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const kiln = (args: string[]) =>
  spawnSync(process.execPath, [join(REPO, 'bin/kiln.js'), ...args], { cwd: scratch, encoding: 'utf8' });

describe('several runs in one file', () => {
  it('kiln run runs each, prints each outcome and exits 1 when one failed', () => {
    const r = kiln(['run', FILE, '--json']);
    expect(r.status, r.stderr).toBe(1);
    const records = JSON.parse(r.stdout) as RunRecord[];
    expect(records.map((x) => [x.name, x.status])).toEqual([
      ['greet', 'Succeeded'],
      ['greet', 'Failed'],
      ['say-alone', 'Succeeded'],
    ]);
    for (const word of ['hello', 'broken', 'alone']) expect(r.stderr).toContain(`/say | said ${word}`);
    expect(r.stderr).toContain('3 runs:');
    for (const x of records) expect(r.stderr).toMatch(new RegExp(`${x.status} +${x.id}`));
    // At once, each line of a run's console labelled by the run.
    for (const x of records) expect(r.stderr).toContain(`[${x.id}] ${x.tasks[0]!.name}/say | said`);
  });

  it('runs them at once: two TaskRuns that each wait for the other both succeed', () => {
    const meet = join(scratch, 'meet');
    const waitsFor = (mine: string, theirs: string) =>
      `touch ${meet}/${mine}; i=0; while [ ! -f ${meet}/${theirs} ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done; echo met ${theirs}`;
    const taskRun = (name: string, script: string) =>
      `apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: { name: ${name} }\nspec:\n  taskSpec:\n    steps: [{ name: s, image: busybox, script: '${script}' }]`;
    const file = join(scratch, 'rendezvous.yaml');
    writeFileSync(
      file,
      [taskRun('left', waitsFor('left', 'right')), taskRun('right', waitsFor('right', 'left'))].join('\n---\n'),
    );
    mkdirSync(meet, { recursive: true });
    const r = kiln(['run', file, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[left-\w+\] left\/s \| met right/);
    expect(r.stderr).toMatch(/\[right-\w+\] right\/s \| met left/);
  });

  it('--in-turn runs them one after another, unlabelled', () => {
    const r = kiln(['run', FILE, '--in-turn']);
    expect(r.status, r.stderr).toBe(1);
    const said = r.stdout.split('\n').filter((l) => l.includes('/say | said'));
    expect(said).toEqual(['greet/say | said hello', 'greet/say | said broken', 'say/say | said alone']);
  });

  it('kiln validate checks each run', () => {
    const r = kiln(['validate', FILE]);
    expect(r.status, r.stderr).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[0]),
    ).toEqual(['OK greet (run greet-hello)', 'OK greet (run greet-broken)', 'OK say-alone']);
  });

  it('a problem in a run is reported; one in a shared document once', () => {
    const file = join(scratch, 'broken.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: { name: t }\nspec:\n  steps: [{ name: s, image: busybox, scirpt: "true" }]',
        'apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: { name: a }\nspec: { taskRef: { name: t } }',
        'apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: { name: b }\nspec: { taskRef: { name: missing } }',
      ].join('\n---\n'),
    );
    let err: unknown;
    try {
      loadRunFiles([file]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const messages = (err as SpecError).diagnostics.map((d) => d.message);
    expect(messages.filter((m) => m.includes('scirpt'))).toHaveLength(1);
    expect(messages.some((m) => m.includes('there is no Task "missing"'))).toBe(true);
    // Commands that take one run say which take several.
    expect(() => loadPipelineFiles([FILE])).toThrow(/kiln run, validate and export take a file of several runs/);
  });
});

describe('kiln export of several runs', () => {
  let validator = '';
  beforeAll(() => void (validator = tektonValidator()), 900_000);

  it('writes each run, shared documents once, and Tekton accepts them', async () => {
    const out = join(scratch, 'several-exported.yaml');
    const r = kiln(['export', '--to', 'tekton', FILE, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const verdict = await validateWithTekton(validator, [out]);
    expect(
      verdict.lines.filter((l) => !l.startsWith('OK ')),
      verdict.lines.join('\n'),
    ).toEqual([]);
    const kinds = verdict.lines.map((l) => l.split(' ')[1]!.split('/')[0]);
    expect(kinds.filter((k) => k === 'Pipeline')).toHaveLength(2); // greet, say-alone
    expect(kinds.filter((k) => k === 'PipelineRun')).toHaveLength(3);
    expect(kiln(['export', '--to', 'github-actions', FILE]).stderr).toContain('export each run from a file of its own');
  });
});

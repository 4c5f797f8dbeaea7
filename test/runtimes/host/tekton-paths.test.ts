// Tekton's fixed pod paths on the host engine: a step naming /workspace/<w>, /tekton/steps/…,
// /tekton/results/… or /tekton/scripts as written reads the task run's own directories, with and without the sandbox;
// any other /tekton path is named in a warning.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../engine/index.js';
import { pipeline, step, task } from '../../../testkit/pipelines.js';
import { LocalRuntime, locateAgent, type OutputLine } from '../../../runtimes/host/index.js';
import { otherStepPaths } from '../../../runtimes/host/tekton-paths.js';
import type { TaskRunPlan } from '../../../engine/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-tekton-paths-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const readsTektonPaths = pipeline([
  task('t', {
    workspaces: [{ name: 'src', workspace: 'src' }],
    results: ['out'],
    steps: [
      step('exit 3', { name: 'soft', onError: 'continue' }),
      step(
        [
          'echo "by name $(cat /tekton/steps/step-soft/exitCode), by index $(cat /tekton/steps/0/exitCode)"',
          'echo kept > /workspace/src/note && cat $(workspaces.src.path)/note',
          'printf written > /tekton/results/out',
          'grep -c "exit 3" /tekton/scripts/*',
          'cat /tekton/downward/ready 2>/dev/null || echo no downward',
          '(echo 9 > /tekton/steps/0/exitCode) 2>/dev/null && echo forged || echo guarded',
        ].join('\n'),
        { name: 'read' },
      ),
    ],
  }),
]);

describe("Tekton's pod paths on the host engine", () => {
  for (const isolate of [false, true]) {
    it(`maps the paths Tekton lays out to the task run's own, and warns of the others (isolate: ${isolate})`, async () => {
      const output: OutputLine[] = [];
      const warnings: string[] = [];
      const runtime = new LocalRuntime({
        baseDir: join(scratch, `runs-${isolate}`),
        agent: locateAgent(),
        isolate,
        onOutput: (l) => output.push(l),
        onWarning: (w) => warnings.push(w),
      });
      const record = await runPipeline({
        input: { runName: 'paths', pipeline: readsTektonPaths, params: {}, workspaces: {} },
        runtime,
      });
      expect(record.status).toBe('Succeeded');
      const lines = output.filter((l) => l.step === 'read' && l.stream === 'stdout').map((l) => l.line);
      // grep -c names each script it read: the soft step's holds `exit 3` once, this one's not.
      expect(lines).toEqual([
        'by name 3, by index 3',
        'kept',
        expect.stringMatching(/\/0:1$/),
        expect.stringMatching(/\/1:[1-9]$/),
        'no downward',
        'guarded',
      ]);
      expect(record.tasks[0]!.results).toEqual({ out: 'written' });
      expect(warnings).toEqual([
        expect.stringMatching(/^task run paths-t: step "read" names \/tekton\/downward\/ready, which the host engine/),
      ]);
    });
  }
});

describe("another step's directories outside the sandbox", () => {
  const planOf = (...scripts: string[]) =>
    ({ name: 'tr', steps: scripts.map((script, i) => ({ name: `s${i}`, script, env: {} })) }) as unknown as TaskRunPlan;

  it("warns of a write into another step's /tekton/run or /tekton/steps, not of a read or its own", () => {
    expect(
      otherStepPaths(planOf('true', 'echo x > /tekton/run/0/out; echo 1 >/tekton/steps/step-s0/exitCode')),
    ).toMatch(/step "s1" names \/tekton\/run\/0, \/tekton\/steps\/step-s0 to write there/);
    expect(otherStepPaths(planOf('true', 'cat /tekton/steps/0/exitCode', 'echo 1 > /tekton/steps/2/probe'))).toBe(
      undefined,
    );
  });
});

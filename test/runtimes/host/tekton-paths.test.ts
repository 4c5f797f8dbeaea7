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
          'cat /tekton/creds/token 2>/dev/null || echo no creds',
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
        'no creds',
      ]);
      expect(record.tasks[0]!.results).toEqual({ out: 'written' });
      expect(warnings).toEqual([
        expect.stringMatching(/^task run paths-t: step "read" names \/tekton\/creds\/token, which the host engine/),
      ]);
    });
  }
});

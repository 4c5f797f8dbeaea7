// Tekton's step results in the agent: the step's own directory is made before it runs, earlier
// steps' results are replaced in its command and environment, and a step result feeding a task
// result is copied to the results directory. A real directory; the inner runner records its request.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRequest, Runner } from '../../../agent/entrypoint/core.js';
import { parseEntrypointArgs } from '../../../agent/entrypoint/options.js';
import { replaceStepResults, StepResultsRunner } from '../../../agent/entrypoint/step-results.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function layout() {
  const root = mkdtempSync(join(tmpdir(), 'kiln-step-results-'));
  dirs.push(root);
  const stepsDir = join(root, 'steps');
  const resultsDir = join(root, 'results');
  mkdirSync(resultsDir);
  const write = (step: string, name: string, text: string) => {
    mkdirSync(join(stepsDir, step, 'results'), { recursive: true });
    writeFileSync(join(stepsDir, step, 'results', name), text);
  };
  return { stepsDir, resultsDir, write };
}

class Recording implements Runner {
  request?: RunRequest;
  constructor(private readonly onRun: () => void = () => undefined) {}
  prepare = () => Promise.resolve();
  run(request: RunRequest) {
    this.request = request;
    this.onRun();
    return Promise.resolve({ exitCode: 0, timedOut: false });
  }
}

describe('step results in the agent', () => {
  it('replaces earlier results in the command and the environment', async () => {
    const l = layout();
    l.write('produce', 'version', 'v1.2.3');
    l.write('produce', 'list', '["a","b c"]');
    l.write('produce', 'obj', '{"k":"v"}');
    const inner = new Recording();
    const env: NodeJS.ProcessEnv = { V: 'is $(steps.produce.results.version)', PLAIN: 'x' };
    const warnings: string[] = [];
    const runner = new StepResultsRunner(
      inner,
      { stepsDir: l.stepsDir, asTaskResults: {} },
      'use',
      l.resultsDir,
      (m) => warnings.push(m),
      env,
    );
    await runner.prepare();
    expect(existsSync(join(l.stepsDir, 'use', 'results'))).toBe(true);
    await runner.run({
      command: [
        'echo',
        '$(steps.produce.results.version)-x',
        '$(steps.produce.results.list[*])',
        '$(steps.produce.results.list[1])',
        '$(steps.produce.results.obj.k)',
        '$(steps.produce.results.missing)',
        'again $(steps.produce.results.missing)',
      ],
      timeoutGraceMs: 0,
    });
    // An unwritten result stays as written, said once in the step's log (Tekton's entrypoint logs it).
    expect(inner.request!.command).toEqual([
      'echo',
      'v1.2.3-x',
      'a',
      'b c',
      'b c',
      'v',
      '$(steps.produce.results.missing)',
      'again $(steps.produce.results.missing)',
    ]);
    expect(warnings).toEqual([
      'step "produce" did not write its result "missing": $(steps.produce.results.missing) is left as written',
    ]);
    expect(env).toEqual({ V: 'is v1.2.3', PLAIN: 'x' });
  });

  it('copies a step result to the task result it feeds, after the command', async () => {
    const l = layout();
    const inner = new Recording(() => l.write('build', 'digest', 'sha256:abc'));
    const runner = new StepResultsRunner(
      inner,
      { stepsDir: l.stepsDir, asTaskResults: { digest: 'image-digest', unwritten: 'never' } },
      'build',
      l.resultsDir,
      () => undefined,
      {},
    );
    await runner.run({ command: ['true'], timeoutGraceMs: 0 });
    expect(readFileSync(join(l.resultsDir, 'image-digest'), 'utf8')).toBe('sha256:abc');
    expect(existsSync(join(l.resultsDir, 'never'))).toBe(false);
  });

  it('leaves text without step result references as it is', () => {
    expect(replaceStepResults('$(params.x) and $(steps.s.exitCode.path)', () => 'no')).toEqual([
      '$(params.x) and $(steps.s.exitCode.path)',
    ]);
  });

  it('reads its flags, refusing a mapping without a steps directory', () => {
    const opts = parseEntrypointArgs(['-steps_dir', '/kiln/run/steps', '-step_result_as', 'd=digest', '--', 'true']);
    expect(opts.stepResults).toEqual({ stepsDir: '/kiln/run/steps', asTaskResults: { d: 'digest' } });
    expect(() => parseEntrypointArgs(['-step_result_as', 'd=digest', '--', 'true'])).toThrow(/-steps_dir is needed/);
    expect(() => parseEntrypointArgs(['-steps_dir', '/s', '-step_result_as', 'd', '--', 'true'])).toThrow(
      /not STEP_RESULT=TASK_RESULT/,
    );
  });
});

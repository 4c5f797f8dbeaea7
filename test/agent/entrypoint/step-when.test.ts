// Tekton's step `when` in the agent: the expressions are read once the earlier steps have ended,
// with their step results replaced; one that does not hold skips the command, and the step ends
// Skipped with exit code 0 and its post file written, so the next step runs. Real directories and
// the real entrypoint sequencing (runEntrypoint) with a recording runner.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEntrypoint, type RunRequest, type Runner } from '../../../agent/entrypoint/core.js';
import { nodeAgentFs, nodePostWriter } from '../../../agent/entrypoint/fs-adapters.js';
import { parseEntrypointArgs } from '../../../agent/entrypoint/options.js';
import { stepResultReader } from '../../../agent/entrypoint/step-results.js';
import { StepWhenRunner } from '../../../agent/entrypoint/step-when.js';
import { entrypointArgv, kilnPaths, readTermination } from '../../../contract/index.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

class Recording implements Runner {
  ran = false;
  prepare = () => Promise.resolve();
  run(_request: RunRequest) {
    this.ran = true;
    return Promise.resolve({ exitCode: 0, timedOut: false });
  }
}

function stepsDirWith(result: string): string {
  const root = mkdtempSync(join(tmpdir(), 'kiln-step-when-'));
  dirs.push(root);
  mkdirSync(join(root, 'steps', 'produce', 'results'), { recursive: true });
  writeFileSync(join(root, 'steps', 'produce', 'results', 'r'), result);
  return root;
}

describe('a step when in the agent', () => {
  it('runs the command when every expression holds, step results replaced first', async () => {
    const root = stepsDirWith('foo');
    const inner = new Recording();
    const read = stepResultReader(join(root, 'steps'), () => undefined);
    const when = [
      { input: '$(steps.produce.results.r)', operator: 'in' as const, values: ['foo', 'bar'] },
      { input: 'true', operator: 'notin' as const, values: ['false'] },
    ];
    const outcome = await new StepWhenRunner(inner, when, read).run({ command: ['true'], timeoutGraceMs: 0 });
    expect(inner.ran).toBe(true);
    expect(outcome.skipped).toBeUndefined();
  });

  it('skips the command when one does not hold, saying which, as substituted', async () => {
    const root = stepsDirWith('foo');
    const inner = new Recording();
    const read = stepResultReader(join(root, 'steps'), () => undefined);
    const when = [{ input: '$(steps.produce.results.r)', operator: 'in' as const, values: ['bar'] }];
    const outcome = await new StepWhenRunner(inner, when, read).run({ command: ['true'], timeoutGraceMs: 0 });
    expect(inner.ran).toBe(false);
    expect(outcome).toEqual({ exitCode: 0, timedOut: false, skipped: 'when expression "foo in [bar]" is false' });
  });

  it('ends a skipped step Skipped with exit code 0 and its post file, so the next step goes on', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-step-when-'));
    dirs.push(root);
    const paths = kilnPaths(root);
    const argv = entrypointArgv({
      agent: [],
      paths,
      index: 1,
      stepName: 'maybe',
      onError: 'stopAndFail',
      terminationPath: join(root, 'termination'),
      results: [],
      when: [{ input: 'a', operator: 'in', values: ['b'] }],
      command: ['false'],
    });
    const opts = parseEntrypointArgs(argv.slice(1));
    expect(opts.when).toEqual([{ input: 'a', operator: 'in', values: ['b'] }]);
    mkdirSync(paths.stepDir(1), { recursive: true });
    const inner = new Recording();
    const warnings: string[] = [];
    const result = await runEntrypoint(opts, {
      waiter: { waitFor: () => Promise.resolve('ready') },
      runner: new StepWhenRunner(inner, opts.when!, undefined),
      post: nodePostWriter,
      fs: nodeAgentFs,
      clock: { now: () => new Date() },
      warn: (m) => warnings.push(m),
    });
    expect(inner.ran).toBe(false);
    expect(result).toMatchObject({ exitCode: 0, posted: true, report: { reason: 'Skipped', exitCode: 0 } });
    expect(readFileSync(paths.postFile(1), 'utf8')).toBe('');
    expect(readFileSync(join(paths.stepMetadataDir(1), 'exitCode'), 'utf8')).toBe('0');
    expect(readTermination(readFileSync(join(root, 'termination'), 'utf8'))).toMatchObject({ reason: 'Skipped' });
    expect(warnings).toEqual(['skipped: when expression "a in [b]" is false']);
  });

  it('refuses a -step_when flag that is not a list of expressions', () => {
    expect(() =>
      parseEntrypointArgs(['-step_when', '[{"input":"a","operator":"is","values":[]}]', '--', 'true']),
    ).toThrow(/-step_when: not a JSON list/);
    expect(() => parseEntrypointArgs(['-step_when', '{', '--', 'true'])).toThrow(/-step_when: not a JSON list/);
  });
});

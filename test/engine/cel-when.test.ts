// CEL `when` in whole runs on the fake runtime: a result compared as a number picks the task,
// a false condition skips it, and an expression that cannot be evaluated fails it with a reason.
import { describe, expect, it } from 'vitest';
import { pipeline, runFake, task } from '../../testkit/pipelines.js';

describe('CEL when in a run', () => {
  const spec = pipeline([
    task('measure', { results: ['coverage'] }),
    task('publish', { whenCel: [{ expression: '$(tasks.measure.results.coverage) >= 0.9' }] }),
    task('complain', { whenCel: [{ expression: '$(tasks.measure.results.coverage) < 0.9' }] }),
  ]);

  it('compares a result as a number and runs only the task whose condition holds', async () => {
    const { record, one } = await runFake(spec, {
      script: (plan) => (plan.task === 'measure' ? { results: { coverage: '0.93' } } : {}),
    });
    expect(one('publish').status).toBe('Succeeded');
    expect(one('complain')).toMatchObject({ status: 'Skipped', reason: 'WhenExpressionsFalse' });
    expect(record.status).toBe('Succeeded');
  });

  it('fails the task, and so the run, when the expression cannot be evaluated', async () => {
    const { record, one } = await runFake(spec, {
      script: (plan) => (plan.task === 'measure' ? { results: { coverage: 'n/a' } } : {}),
    });
    expect(one('publish').status).toBe('Failed');
    expect(one('publish').reason).toMatch(
      /^WhenExpressionError: when \$\(tasks\.measure\.results\.coverage\) >= 0\.9: .*overload/,
    );
    expect(record.status).toBe('Failed');
  });

  it('sees task statuses in finally', async () => {
    const { one } = await runFake(
      pipeline(
        [task('build')],
        [
          task('alert', { whenCel: [{ expression: "'$(tasks.build.status)' == 'Failed'" }] }),
          task('thanks', { whenCel: [{ expression: "'$(tasks.status)' == 'Succeeded'" }] }),
        ],
      ),
      { script: (plan) => (plan.task === 'build' ? { status: 'Failed' } : {}) },
    );
    expect(one('alert').status).toBe('Succeeded');
    expect(one('thanks')).toMatchObject({ status: 'Skipped', reason: 'WhenExpressionsFalse' });
  });
});

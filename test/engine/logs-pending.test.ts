// A task run reported ended with its logs still on their way (ObservedTaskRun.logsPending): its
// dependents start at once, and the run finishes only once every such task run's logs have come.
import { describe, expect, it } from 'vitest';
import { Engine, runRecord, type EngineAction } from '../../engine/index.js';
import type { ObservedTaskRun } from '../../engine/runtime.js';
import { pipeline, task } from '../../testkit/pipelines.js';
import type { TaskSpec } from '../../syntax/model.js';

const engineOf = (tasks: TaskSpec[], fin: TaskSpec[] = []) =>
  new Engine({ runName: 'run1', pipeline: pipeline(tasks, fin), params: {}, workspaces: {}, startedAt: 0 });

const started = (actions: EngineAction[]) => actions.flatMap((a) => (a.type === 'start' ? [a.plan.name] : [])).sort();
const finished = (actions: EngineAction[]) => actions.some((a) => a.type === 'finish');

function ended(name: string, status: 'Succeeded' | 'Failed', extra: Partial<ObservedTaskRun> = {}): ObservedTaskRun {
  return {
    name,
    status,
    results: {},
    steps: [{ name: 'main', status: status === 'Succeeded' ? 'Succeeded' : 'Failed', exitCode: 0 }],
    ...extra,
  };
}

const logsOf = (name: string, status: 'Succeeded' | 'Failed', complete: boolean): ObservedTaskRun =>
  ended(name, status, {
    steps: [
      {
        name: 'main',
        status: status === 'Succeeded' ? 'Succeeded' : 'Failed',
        exitCode: 0,
        logsComplete: complete,
        ...(!complete && { logsUndelivered: { lines: 3, spool: '/spool' } }),
      },
    ],
  });

describe('logs that come after the task run ended', () => {
  it('starts the dependents at once and finishes the run only once the logs have come', () => {
    const e = engineOf([task('a'), task('b', { needs: ['a'] })]);
    expect(started(e.handle({ type: 'tick' }, 0))).toEqual(['run1-a']);
    const afterA = e.handle({ type: 'observed', update: ended('run1-a', 'Succeeded', { logsPending: true }) }, 10);
    expect(started(afterA)).toEqual(['run1-b']);
    expect(finished(e.handle({ type: 'observed', update: ended('run1-b', 'Succeeded') }, 20))).toBe(false);
    expect(runRecord(e.state, 'fake').status).toBe('Running');

    const last = e.handle({ type: 'observed', update: logsOf('run1-a', 'Succeeded', false) }, 30);
    expect(finished(last)).toBe(true);
    const record = runRecord(e.state, 'fake');
    expect(record).toMatchObject({ status: 'Succeeded', finishedAt: new Date(30).toISOString() });
    const a = record.tasks.find((t) => t.name === 'a')!;
    // The logs update changes the steps' log fields only: the task keeps its status and end time.
    expect(a).toMatchObject({ status: 'Succeeded', finishedAt: new Date(10).toISOString() });
    expect(a.steps[0]).toMatchObject({ status: 'Succeeded', logsComplete: false, logsUndelivered: { lines: 3 } });
  });

  it('waits for the logs of a failed task run, whose failure stops the run, before finally and the end', () => {
    const e = engineOf([task('a'), task('b', { needs: ['a'] })], [task('report')]);
    e.handle({ type: 'tick' }, 0);
    const afterA = e.handle({ type: 'observed', update: ended('run1-a', 'Failed', { logsPending: true }) }, 10);
    expect(started(afterA)).toEqual(['run1-report']);
    expect(finished(e.handle({ type: 'observed', update: ended('run1-report', 'Succeeded') }, 20))).toBe(false);
    expect(finished(e.handle({ type: 'observed', update: logsOf('run1-a', 'Failed', true) }, 30))).toBe(true);
    expect(runRecord(e.state, 'fake').status).toBe('Failed');
  });

  it("clears an earlier attempt's pending logs without touching the retry's steps", () => {
    const e = engineOf([task('a', { retries: 1 })]);
    e.handle({ type: 'tick' }, 0);
    const retried = e.handle({ type: 'observed', update: ended('run1-a', 'Failed', { logsPending: true }) }, 10);
    expect(started(retried)).toEqual(['run1-a-r1']);
    const second = 'run1-a-r1';
    expect(finished(e.handle({ type: 'observed', update: ended(second, 'Succeeded') }, 20))).toBe(false);
    expect(finished(e.handle({ type: 'observed', update: logsOf('run1-a', 'Failed', false) }, 30))).toBe(true);
    const a = runRecord(e.state, 'fake').tasks[0]!;
    expect(a).toMatchObject({ status: 'Succeeded', attempts: 2 });
    expect(a.steps[0]!.logsComplete).toBeUndefined();
  });
});

// Retries with backoff and `on:`: the engine waits between attempts in fake time, retries only
// what the policy names, and keeps each attempt's start, end and reason in the run record.
import { describe, expect, it } from 'vitest';
import { pipeline, runFake, task } from '../../testkit/pipelines.js';
import { parsePipelineText, SpecError } from '../../syntax/index.js';

describe('retry policy', () => {
  it('waits delay × factor^n between attempts, capped at max, and records each attempt', async () => {
    const flaky = task('flaky', {
      retries: 3,
      retryPolicy: { backoff: { delayMs: 10_000, factor: 2, maxMs: 15_000 }, on: ['failure', 'timeout'] },
    });
    const { record, runtime, startedAt } = await runFake(pipeline([flaky]), {
      script: (plan) => (plan.attempt < 3 ? { status: 'Failed', durationMs: 1000 } : {}),
    });
    expect(record.status).toBe('Succeeded');
    // Each attempt lasts 1 s; the waits are 10 s, 20 s capped to 15 s, 15 s.
    expect(startedAt).toEqual({
      'run1-flaky': 0,
      'run1-flaky-r1': 11_000,
      'run1-flaky-r2': 27_000,
      'run1-flaky-r3': 43_000,
    });
    const t = record.tasks[0]!;
    expect(t).toMatchObject({ status: 'Succeeded', attempts: 4, taskRun: 'run1-flaky-r3' });
    const t0 = Date.parse(record.startedAt);
    expect(
      t.history!.map((h) => [
        h.taskRun,
        h.attempt,
        h.status,
        Date.parse(h.startedAt!) - t0,
        Date.parse(h.finishedAt!) - t0,
      ]),
    ).toEqual([
      ['run1-flaky', 0, 'Failed', 0, 1000],
      ['run1-flaky-r1', 1, 'Failed', 11_000, 12_000],
      ['run1-flaky-r2', 2, 'Failed', 27_000, 28_000],
      ['run1-flaky-r3', 3, 'Succeeded', 43_000, 44_000],
    ]);
    expect(runtime.starts).toHaveLength(4);
  });

  it('on: [timeout] retries a timed-out attempt but not a failed one, and keeps the reasons', async () => {
    const t = task('t', { retries: 2, timeoutMs: 5000, retryPolicy: { on: ['timeout'] } });
    const { record, one } = await runFake(pipeline([t]), {
      script: (plan) => (plan.attempt === 0 ? { hang: true } : { status: 'Failed' }),
    });
    expect(record.status).toBe('Failed');
    expect(one('t')).toMatchObject({ status: 'Failed', attempts: 2 });
    expect(one('t').history!.map((h) => [h.status, h.reason])).toEqual([
      ['TimedOut', 'TimedOut'],
      ['Failed', undefined],
    ]);
  });

  it('on: [failure] does not retry a timeout', async () => {
    const t = task('t', { retries: 2, timeoutMs: 5000, retryPolicy: { on: ['failure'] } });
    const { one, runtime } = await runFake(pipeline([t]), { script: () => ({ hang: true }) });
    expect(one('t')).toMatchObject({ status: 'TimedOut', attempts: 1 });
    expect(runtime.starts).toHaveLength(1);
  });

  it('a cancel during the backoff ends the task at once, without another attempt', async () => {
    const t = task('t', { retries: 3, retryPolicy: { backoff: { delayMs: 60_000, factor: 1 }, on: ['failure'] } });
    const { record, runtime, one } = await runFake(pipeline([t]), {
      script: () => ({ status: 'Failed' }),
      cancelAfterMs: 5000,
    });
    expect(runtime.starts).toHaveLength(1);
    expect(one('t')).toMatchObject({ status: 'Cancelled', reason: 'Cancelled while waiting to run again' });
    expect(record.status).toBe('Cancelled');
  });

  it('reads the policy from Kiln YAML beside the short form', () => {
    const { pipeline: p } = parsePipelineText(`
name: p
tasks:
  a:
    retries: { count: 3, backoff: { delay: 10s, factor: 2, max: 5m }, on: [failure, timeout] }
    steps: [{ run: "true" }]
  b:
    retries: 2
    steps: [{ run: "true" }]
`);
    expect(p.tasks[0]).toMatchObject({
      retries: 3,
      retryPolicy: { backoff: { delayMs: 10_000, factor: 2, maxMs: 300_000 }, on: ['failure', 'timeout'] },
    });
    expect(p.tasks[1]).toMatchObject({ retries: 2 });
    expect(p.tasks[1]!.retryPolicy).toBeUndefined();
  });

  it.each([
    ['retries: { count: 2, on: [crash] }', '"crash" is not one of failure, timeout'],
    ['retries: { count: 2, backoff: { factor: 2 } }', 'backoff has no delay'],
    ['retries: { count: 2, backoff: { delay: 1m, max: 10s } }', 'max is shorter than its delay'],
    ['retries: { count: 2, backoff: { delay: 1s, factor: 0.5 } }', 'is not a number from 1 to 10'],
    ['retries: { backoff: { delay: 1s } }', 'has no count'],
    ['retries: { count: 2, delay: 1s }', 'unknown key'],
  ])('refuses %s', (line, message) => {
    const text = `name: p\ntasks:\n  a:\n    ${line}\n    steps: [{ run: "true" }]\n`;
    let err: unknown;
    try {
      parsePipelineText(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain(message);
  });
});

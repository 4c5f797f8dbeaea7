// Loops: `loop: {until: {cel}, max, delay}` read from Kiln YAML and run on the fake runtime —
// the task runs again after the delay until its condition holds over the iteration's results;
// each iteration is a task run of its own in the record; max and errors end it as Failed.
import { describe, expect, it } from 'vitest';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { runFake } from '../../testkit/pipelines.js';
import type { TaskRunPlan } from '../../engine/index.js';

const POLL = (max: number, until = "results.ready == 'yes' && iteration >= 1") => `
name: poll
params: { want: { default: "3" } }
tasks:
  poll:
    loop: { until: { cel: "${until}" }, max: ${max}, delay: 15s }
    retries: 1
    results: [ready, replicas]
    steps: [{ run: "./check.sh > $(results.ready.path)" }]
  after:
    needs: [poll]
    steps: [{ run: "echo $(tasks.poll.results.replicas)" }]
`;
const iterationOf = (plan: TaskRunPlan) => Number(/-i(\d+)/.exec(plan.name)?.[1] ?? 0);

describe('loops', () => {
  it('repeats the task after its delay until the condition holds, each iteration in the record', async () => {
    const { pipeline } = parsePipelineText(POLL(20, 'results.replicas >= $(params.want)'));
    expect(pipeline.tasks[0]!.loop).toMatchObject({ max: 20, delayMs: 15_000 });
    const { record, one, startedAt, runtime } = await runFake(pipeline, {
      input: { params: { want: '3' } },
      script: (plan) => {
        const i = iterationOf(plan);
        if (plan.task !== 'poll') return {};
        // The second iteration fails once and is retried within its iteration.
        if (i === 1 && plan.attempt === 0) return { status: 'Failed' };
        return { results: { ready: 'no', replicas: String(i + 1) } };
      },
    });
    expect(record.status).toBe('Succeeded');
    expect(startedAt).toMatchObject({
      'run1-poll': 0,
      'run1-poll-i1': 16_000,
      'run1-poll-i1-r1': 17_000,
      'run1-poll-i2': 33_000,
    });
    expect(one('poll')).toMatchObject({ status: 'Succeeded', taskRun: 'run1-poll-i2', results: { replicas: '3' } });
    expect(one('poll').history!.map((h) => [h.taskRun, h.iteration, h.attempt, h.status])).toEqual([
      ['run1-poll', 0, 0, 'Succeeded'],
      ['run1-poll-i1', 1, 0, 'Failed'],
      ['run1-poll-i1-r1', 1, 1, 'Succeeded'],
      ['run1-poll-i2', 2, 0, 'Succeeded'],
    ]);
    expect(runtime.starts.find((s) => s.task === 'after')!.plan.steps[0]!.script).toBe('echo 3');
  });

  it('fails the task with LoopExhausted once max iterations did not satisfy it', async () => {
    const { pipeline } = parsePipelineText(POLL(3));
    const { record, one, runtime } = await runFake(pipeline, {
      script: () => ({ results: { ready: 'no', replicas: '0' } }),
    });
    expect(runtime.starts.filter((s) => s.task === 'poll')).toHaveLength(3);
    expect(one('poll')).toMatchObject({
      status: 'Failed',
      reason: 'LoopExhausted: until did not hold after 3 iterations',
    });
    expect(one('after')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
    expect(record.status).toBe('Failed');
  });

  it('fails the task when the condition cannot be evaluated (a result never written)', async () => {
    const { pipeline } = parsePipelineText(POLL(3));
    const { one } = await runFake(pipeline, { script: () => ({ results: {} }) });
    expect(one('poll').status).toBe('Failed');
    expect(one('poll').reason).toMatch(/^LoopConditionError: .*ready/);
  });

  it.each([
    ['loop: { until: { cel: "true" } }', 'has no max'],
    ['loop: { max: 3 }', 'has no until'],
    ['loop: { until: { cel: "results.x ==" }, max: 3 }', 'not a CEL expression'],
    ['loop: { until: { cel: "true" }, max: 0 }', 'is not a whole number from 1 to 1000'],
    ['loop: { until: { cel: "true" }, max: 3, delay: soon }', 'is not a duration'],
    ['loop: { until: "true", max: 3 }', 'must be a mapping'],
  ])('refuses %s', (line, message) => {
    let err: unknown;
    try {
      parsePipelineText(`name: p\ntasks:\n  a:\n    ${line}\n    steps: [{ run: "true" }]\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain(message);
  });
});

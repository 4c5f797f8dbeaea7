// The driver's side jobs: the reporter sees the run in order, a failing reporter does not stop
// the run, and task run names stay DNS-safe.
import { describe, expect, it } from 'vitest';
import { FakeClock, FakeRuntime } from '../../runtimes/fake/index.js';
import type { RunRecord } from '../../contract/index.js';
import { runPipeline } from '../../engine/driver.js';
import { pipelineRunName, taskRunName } from '../../engine/names.js';
import { pipeline, step, task } from '../../testkit/pipelines.js';

function run(reporter: Parameters<typeof runPipeline>[0]['reporter'], warnings: string[] = []) {
  const clock = new FakeClock();
  return clock.run(
    runPipeline({
      input: {
        runName: 'r',
        pipeline: pipeline([task('a'), task('b', { needs: ['a'] })]),
        params: {},
        workspaces: {},
      },
      runtime: new FakeRuntime(clock),
      clock,
      reporter,
      onWarning: (w) => warnings.push(w),
    }),
  );
}

describe('driver', () => {
  it('reports started, updates and finished, in order, with the final record last', async () => {
    const calls: [string, RunRecord][] = [];
    const final = await run({
      runStarted: (r) => void calls.push(['started', r]),
      runUpdated: async (r) => {
        await new Promise((done) => setImmediate(done)); // a slow reporter must not reorder calls
        calls.push(['updated', r]);
      },
      runFinished: (r) => void calls.push(['finished', r]),
    });
    expect(calls[0]![0]).toBe('started');
    expect(calls[0]![1].status).toBe('Running');
    expect(calls.at(-1)).toEqual(['finished', final]);
    expect(calls.slice(1, -1).every(([kind]) => kind === 'updated')).toBe(true);
    const bStatuses = calls.map(([, r]) => r.tasks[1]!.status);
    expect(bStatuses.indexOf('Running')).toBeGreaterThan(bStatuses.indexOf('Pending'));
  });

  it('goes on when the reporter fails, and says so', async () => {
    const warnings: string[] = [];
    const fail = () => Promise.reject(new Error('collector down'));
    const final = await run({ runStarted: fail, runUpdated: fail, runFinished: fail }, warnings);
    expect(final.status).toBe('Succeeded');
    expect(warnings[0]).toBe('reporter: collector down');
  });
});

describe('resuming a run', () => {
  it("counts the pipeline timeout from the run's first start, not from the resume", async () => {
    const clock = new FakeClock();
    const resumedAt = clock.now();
    const input = {
      runName: 'r',
      pipeline: pipeline([task('a')]),
      params: {},
      workspaces: {},
      timeoutMs: 60_000,
    };
    const record = await clock.run(
      runPipeline({
        input,
        runtime: new FakeRuntime(clock, () => ({ hang: true })),
        clock,
        startedAt: resumedAt - 50_000,
      }),
    );
    expect(record.status).toBe('TimedOut');
    expect(Date.parse(record.startedAt)).toBe(resumedAt - 50_000);
    // 10 s after the resume, not 60 s.
    expect(Date.parse(record.finishedAt!) - resumedAt).toBeLessThan(60_000);
    expect(Date.parse(record.finishedAt!) - resumedAt).toBeGreaterThanOrEqual(10_000);
  });
});

describe('names', () => {
  it('makes DNS-1123 labels of task run names, cutting long ones with a hash', () => {
    expect(taskRunName('My_Run', 'Build App', 2, 1)).toBe('my-run-build-app-2-r1');
    const long = taskRunName('r', 'x'.repeat(100), undefined, 0);
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^r-x+-[0-9a-f]{8}$/);
    expect(taskRunName('r', 'y'.repeat(100), undefined, 0)).not.toBe(long);
  });

  it('names pipeline runs <pipeline>-<5 chars>', () => {
    let i = 0;
    const seq = () => [0, 0.5, 0.99, 0.1, 0.2][i++]!;
    expect(pipelineRunName('Web App', seq)).toBe('web-app-as9dh');
  });
});

describe('results stored at the collector', () => {
  const ref = { name: 'sbom', size: 6000, sha256: 'f'.repeat(64) };
  const spec = pipeline([
    task('scan', { results: ['sbom', 'small'] }),
    task('use', { steps: [step('wc -c <<< "$(tasks.scan.results.sbom)"')] }),
  ]);
  const go = (fetchResult?: (taskRun: string, r: typeof ref) => Promise<string>, logsLater = false) => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock, (plan) =>
      plan.task === 'scan' ? { results: { small: 's' }, stored: [ref], logsLater } : { logsLater },
    );
    return {
      runtime,
      done: clock.run(
        runPipeline({
          input: { runName: 'r', pipeline: spec, params: {}, workspaces: {} },
          runtime,
          clock,
          fetchResult,
        }),
      ),
    };
  };

  it('reads them in before the engine sees the task end, so readers get the value', async () => {
    const asked: string[] = [];
    const { runtime, done } = go(async (taskRun, r) => {
      asked.push(`${taskRun}/${r.name}`);
      return 'x'.repeat(r.size);
    });
    const record = await done;
    expect(asked).toEqual(['r-scan/sbom']);
    expect(record.status).toBe('Succeeded');
    expect(record.tasks[0]!.results).toEqual({ small: 's', sbom: 'x'.repeat(6000) });
    expect(runtime.starts.find((s) => s.task === 'use')!.plan.steps[0]!.script).toBe(`wc -c <<< "${'x'.repeat(6000)}"`);
  });

  it("keeps them when the task run's logs are reported while they are being read", async () => {
    // The host runtime with kiln run's embedded collector reports the logs a few ms after the end.
    const { runtime, done } = go(async (_, r) => {
      await new Promise((resolve) => setImmediate(resolve));
      return 'y'.repeat(r.size);
    }, true);
    const record = await done;
    expect(record.status).toBe('Succeeded');
    expect(record.tasks[0]!.results).toEqual({ small: 's', sbom: 'y'.repeat(6000) });
    expect(record.tasks[0]!.steps[0]!.logsComplete).toBe(true);
    expect(runtime.starts.find((s) => s.task === 'use')!.plan.steps[0]!.script).toBe(`wc -c <<< "${'y'.repeat(6000)}"`);
  });

  it('fails the task run, naming the result, when one cannot be read', async () => {
    const record = await go(async () => {
      throw new Error('sha256 differs');
    }).done;
    expect(record.tasks[0]).toMatchObject({ status: 'Failed', reason: 'ResultUnavailable' });
    expect(record.tasks[1]!.status).toBe('Skipped');
    const none = await go().done;
    expect(none.tasks[0]).toMatchObject({ status: 'Failed', reason: 'ResultUnavailable' });
  });
});

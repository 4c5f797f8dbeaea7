// The pure parts of the Kubernetes runtime, each on its own: rate limiter, work queue, Pod status
// (termination messages included), run status round trip, PipelineRun input checks,
// and the render planner.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { observePod } from '../../runtimes/kubernetes/pod-status.js';
import { tokenBucket } from '../../runtimes/kubernetes/rate-limit.js';
import { planForTask } from '../../engine/preview.js';
import { runInputOf } from '../../controller/run-input.js';
import { recordFromStatus, statusFromRecord } from '../../controller/run-status.js';
import { specDeps } from '../../controller/spec-deps.js';
import { WorkQueue } from '../../controller/work-queue.js';
import { parsePipelineText } from '../../syntax/index.js';
import type { RunRecord } from '../../contract/index.js';

describe('token bucket', () => {
  it('lets a burst through, then spaces requests at 1/qps', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = tokenBucket({
      qps: 5,
      burst: 2,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    for (let i = 0; i < 4; i++) await limiter.take();
    expect(waits).toEqual([200, 400]);
    now = 2000; // refilled, but never above the burst
    waits.length = 0;
    for (let i = 0; i < 3; i++) await limiter.take();
    expect(waits.map(Math.round)).toEqual([200]);
    expect(() => tokenBucket({ qps: 0, burst: 1 })).toThrow(/qps > 0/);
  });
});

describe('work queue', () => {
  it('queues a key once, runs it on one worker at a time, re-runs it when changed meanwhile', async () => {
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      1,
      async (k) => {
        runs.push(k);
        if (k === 'a' && runs.filter((x) => x === 'a').length === 1) await gate;
      },
      () => {},
    );
    q.add('a'); // runs at once and blocks the only worker
    q.add('b');
    q.add('b'); // already queued: no second entry
    q.add('a'); // 'a' is running: marked dirty, queued again once it ends
    q.add('a');
    release();
    await q.idle();
    expect(runs).toEqual(['a', 'b', 'a']);
  });
});

const pod = (status: V1Pod['status']): V1Pod => ({
  metadata: { name: 'p', labels: { 'kiln.dev/taskrun': 'p' } },
  status,
});

describe('pod status', () => {
  it('maps phases and deadline to task run statuses and keeps step reasons', () => {
    expect(observePod(pod({ phase: 'Pending' }), 'p', ['a']).status).toBe('Pending');
    expect(
      observePod(pod({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'too slow' }), 'p', ['a']),
    ).toMatchObject({ status: 'TimedOut', reason: 'PodDeadlineExceeded' });
    const term = (entries: object[], exitCode: number) => ({
      terminated: { exitCode, message: JSON.stringify(entries) },
    });
    const failed = observePod(
      pod({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'step-a',
            image: 'x',
            imageID: 'x',
            ready: false,
            restartCount: 0,
            state: term(
              [
                { key: 'ExitCode', value: '2', type: 3 },
                { key: 'r', value: 'v', type: 1 },
              ],
              2,
            ),
          },
          {
            name: 'step-b',
            image: 'x',
            imageID: 'x',
            ready: false,
            restartCount: 0,
            state: term(
              [
                { key: 'ExitCode', value: '1', type: 3 },
                { key: 'Reason', value: 'Skipped', type: 3 },
              ],
              1,
            ),
          },
        ],
      }),
      'p',
      ['a', 'b'],
    );
    expect(failed).toMatchObject({ status: 'Failed', message: 'step "a" exited with 2', results: { r: 'v' } });
    expect(failed.steps.map((s) => [s.status, s.exitCode])).toEqual([
      ['Failed', 2],
      ['Skipped', null],
    ]);
  });

  it("puts a step's cache record (termination entry kiln.cache) into the observed step", () => {
    const cache = {
      key: 'npm-abc',
      matchedKey: 'npm-abc',
      hit: true,
      restoredBytes: 3224,
      seconds: 0.07,
      saved: false,
    };
    const step = (name: string, entries: object[]) => ({
      name,
      image: 'x',
      imageID: 'x',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, message: JSON.stringify(entries) } },
    });
    const ok = observePod(
      pod({
        phase: 'Succeeded',
        containerStatuses: [
          step('step-a', [
            { key: 'ExitCode', value: '0', type: 3 },
            { key: 'kiln.cache', value: JSON.stringify(cache), type: 3 },
          ]),
          step('step-b', [
            { key: 'ExitCode', value: '0', type: 3 },
            { key: 'kiln.cache', value: '{"hit":"yes"}', type: 3 },
            { key: 'kiln.cache', value: 'x', type: 1 },
          ]),
        ],
      }),
      'p',
      ['a', 'b'],
    );
    expect(ok.steps[0]).toMatchObject({ status: 'Succeeded', cache });
    // A malformed record is no record; a result that happens to be named kiln.cache stays a result.
    expect(ok.steps[1]!.cache).toBeUndefined();
    expect(ok.results).toEqual({ 'kiln.cache': 'x' });
  });

  it("falls back to the kubelet's facts when a step's message is not the agent's", () => {
    const state = (message: string) => ({
      terminated: { exitCode: 137, reason: 'OOMKilled', message, startedAt: new Date(5000) },
    });
    for (const message of ['', 'out of memory', '[{"key":"ExitCode","value":"0","type":3},{"key":2}]']) {
      const seen = observePod(
        pod({
          phase: 'Failed',
          containerStatuses: [
            { name: 'step-a', image: 'x', imageID: 'x', ready: false, restartCount: 0, state: state(message) },
          ],
        }),
        'p',
        ['a'],
      );
      expect(seen.steps[0]).toMatchObject({ status: 'Failed', exitCode: 137, reason: 'OOMKilled', startedAt: 5000 });
      expect(seen.results).toEqual({});
    }
  });
});

describe('run status', () => {
  it('round-trips a finished run record through the PipelineRun status', () => {
    const record: RunRecord = {
      id: 'r',
      name: 'p',
      status: 'Failed',
      reason: 'TasksFailed',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T01:02:03.000Z',
      params: { a: '1' },
      engine: 'kubernetes',
      tasks: [{ name: 't', taskRun: 'r-t', status: 'Failed', attempts: 1, results: {}, steps: [] }],
      results: { digest: 'sha256:1', all: ['a', 'b'] },
    };
    const status = statusFromRecord(record, '2026-01-01T01:02:03.000Z');
    expect(status).toMatchObject({ duration: '1h2m3s', conditions: [{ status: 'False', reason: 'TasksFailed' }] });
    expect(recordFromStatus({ metadata: { name: 'r' }, spec: { params: { a: '1' } }, status }, 'r')).toEqual(record);
  });
});

describe('PipelineRun input', () => {
  const deps = {
    ...specDeps,
    pipelineByName: async (name: string) =>
      name === 'known' ? { tasks: { a: { image: 'x', steps: [{ run: 'true' }] } } } : undefined,
  };
  const input = (spec: object) => runInputOf({ metadata: { name: 'r', namespace: 'ci' }, spec }, deps);

  it('names the field of each mistake', async () => {
    await expect(input({})).rejects.toThrow('PipelineRun "r" spec: give exactly one of pipelineRef and pipelineSpec');
    await expect(input({ pipelineRef: { name: 'nope' } })).rejects.toThrow(
      'spec.pipelineRef.name: no Pipeline "nope" in namespace ci',
    );
    await expect(input({ pipelineRef: { name: 'known' }, timeout: 'soon' })).rejects.toThrow(
      'spec.timeout: "soon" is not a duration',
    );
    await expect(input({ pipelineRef: { name: 'known' }, workspaces: { src: { emptyDir: {} } } })).rejects.toThrow(
      'spec.workspaces.src: pipeline "known" declares no workspace "src"',
    );
    const ok = await input({ pipelineRef: { name: 'known' }, timeout: '1h' });
    expect([ok.pipeline.name, ok.timeoutMs]).toEqual(['known', 3_600_000]);
  });
});

describe('render planner', () => {
  const { pipeline } = parsePipelineText(
    `name: p
params: { env: { default: dev } }
tasks:
  a: { image: x, results: [v], steps: [{ run: "echo 1 > $(results.v.path)" }] }
  b: { image: x, when: ["$(params.env) in [prod]"], steps: [{ run: "echo $(tasks.a.results.v)" }] }
`,
    'p.yaml',
  );
  const base = { runName: 'r', pipeline, workspaces: {} };

  it('plans a downstream task with upstream results as references, refuses a skipped or unknown one', () => {
    expect(planForTask({ ...base, params: { env: 'prod' } }, 'b').steps[0].script).toBe('echo $(tasks.a.results.v)');
    expect(() => planForTask({ ...base, params: { env: 'dev' } }, 'b')).toThrow(
      'task "b" would be skipped (WhenExpressionsFalse) with these params',
    );
    expect(() => planForTask({ ...base, params: { env: 'dev' } }, 'c')).toThrow('pipeline "p" has no task "c"');
  });
});

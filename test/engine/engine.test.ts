// Table-driven engine tests: whole runs against the fake runtime in fake time.
import { describe, expect, it } from 'vitest';
import { pipeline, runFake, step, task, type FakeRunOptions } from '../../testkit/pipelines.js';
import type { PipelineSpec } from '../../syntax/model.js';

type Run = Awaited<ReturnType<typeof runFake>>;
interface Case {
  name: string;
  spec: PipelineSpec;
  opts?: FakeRunOptions;
  check: (run: Run) => void;
}

const fails =
  (...tasks: string[]): FakeRunOptions['script'] =>
  (plan) =>
    tasks.includes(plan.task) ? { status: 'Failed' } : {};

const cases: Case[] = [
  {
    name: 'needs orders tasks; independent tasks start together',
    spec: pipeline([task('a'), task('b', { needs: ['a'] }), task('c'), task('d', { needs: ['b', 'c'] })]),
    check: ({ record, startedAt }) => {
      expect(record.status).toBe('Succeeded');
      expect(startedAt).toEqual({ 'run1-a': 0, 'run1-c': 0, 'run1-b': 1000, 'run1-d': 2000 });
    },
  },
  {
    name: 'a result reference orders tasks and its value is substituted',
    spec: pipeline(
      [
        task('build', { results: ['digest'] }),
        task('deploy', {
          steps: [step('deploy $(tasks.build.results.digest) to $(params.env)')],
          params: { env: '$(params.target)' },
        }),
      ],
      [],
      { params: [{ name: 'target', type: 'string', default: 'prod' }] },
    ),
    opts: {
      input: { params: { target: 'staging' } },
      script: (plan) => (plan.task === 'build' ? { results: { digest: 'sha256:abc' }, durationMs: 300 } : {}),
    },
    check: ({ record, runtime, startedAt }) => {
      expect(startedAt['run1-deploy']).toBe(300);
      expect(runtime.starts.find((s) => s.task === 'deploy')!.plan.steps[0]!.script).toBe(
        'deploy sha256:abc to staging',
      );
      expect(record.tasks.find((t) => t.name === 'build')!.results).toEqual({ digest: 'sha256:abc' });
    },
  },
  {
    name: 'when false skips the task and what reads its results, not what only needs it',
    spec: pipeline([
      task('gate', { when: [{ input: '$(params.env)', operator: 'in', values: ['prod'] }], results: ['r'] }),
      task('after', { needs: ['gate'] }),
      task('reader', { steps: [step('echo $(tasks.gate.results.r)')] }),
    ]),
    opts: { input: { params: { env: 'dev' } } },
    check: ({ record, one }) => {
      expect(record.status).toBe('Succeeded');
      expect(one('gate')).toMatchObject({ status: 'Skipped', reason: 'WhenExpressionsFalse', attempts: 0 });
      expect(one('after').status).toBe('Succeeded');
      expect(one('reader')).toMatchObject({ status: 'Skipped', reason: 'ResultsMissing' });
      expect(one('gate').steps).toEqual([{ name: 'main', status: 'Skipped', exitCode: null }]);
    },
  },
  {
    name: 'a declared result the producer succeeded without writing fails its reader and the run (Tekton)',
    spec: pipeline([task('a', { results: ['r'] }), task('b', { steps: [step('echo $(tasks.a.results.r)')] })]),
    check: ({ record, one }) => {
      expect(one('b')).toMatchObject({
        status: 'Failed',
        reason: 'InvalidTaskResultReference',
        message: 'could not find result "r" of task "a"',
      });
      expect(record.status).toBe('Failed');
      expect(record.reason).toMatch(/^InvalidTaskResultReference: .*\(task "b"\)$/);
    },
  },
  {
    name: 'a pipeline task with onError: continue fails without failing the run; what follows runs',
    spec: pipeline([task('a', { onError: 'continue' }), task('b', { needs: ['a'] })]),
    opts: { script: (plan) => (plan.task === 'a' ? { status: 'Failed' } : {}) },
    check: ({ record, one }) => {
      expect(one('a')).toMatchObject({ status: 'Failed', reason: 'FailureIgnored' });
      expect(one('b').status).toBe('Succeeded');
      expect(record.status).toBe('Succeeded');
    },
  },
  {
    name: 'a failed producer is no InvalidTaskResultReference: its reader is skipped',
    spec: pipeline([task('a', { results: ['r'] }), task('b', { steps: [step('echo $(tasks.a.results.r)')] })]),
    opts: { script: (plan) => (plan.task === 'a' ? { status: 'Failed' } : {}) },
    check: ({ one }) => {
      expect(one('b')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
    },
  },
  {
    name: 'a failure stops new tasks, lets running ones finish, then runs finally with statuses',
    spec: pipeline(
      [task('a'), task('slow'), task('b', { needs: ['a'] })],
      [
        task('report', {
          steps: [step('a=$(tasks.a.status) slow=$(tasks.slow.status) b=$(tasks.b.status) all=$(tasks.status)')],
        }),
      ],
    ),
    opts: {
      script: (plan) =>
        plan.task === 'a' ? { status: 'Failed', durationMs: 100 } : plan.task === 'slow' ? { durationMs: 5000 } : {},
    },
    check: ({ record, one, runtime, startedAt }) => {
      expect(record.status).toBe('Failed');
      expect(record.reason).toBe('TaskFailed: a');
      expect(one('a').status).toBe('Failed');
      expect(one('slow').status).toBe('Succeeded');
      expect(one('b')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
      expect(runtime.cancels).toEqual([]);
      expect(startedAt['run1-report']).toBe(5000);
      expect(runtime.starts.find((s) => s.task === 'report')!.plan.steps[0]!.script).toBe(
        'a=Failed slow=Succeeded b=None all=Failed',
      );
      expect(one('report').finally).toBe(true);
    },
  },
  {
    name: 'finally sees Succeeded when all succeeded and Completed when some were skipped',
    spec: pipeline(
      [task('a'), task('b', { when: [{ input: 'x', operator: 'notin', values: ['x'] }] })],
      [task('f', { steps: [step('$(tasks.a.status) $(tasks.b.status) $(tasks.status)')] })],
    ),
    check: ({ runtime, record }) => {
      expect(runtime.starts.find((s) => s.task === 'f')!.plan.steps[0]!.script).toBe('Succeeded None Completed');
      expect(record.status).toBe('Succeeded');
    },
  },
  {
    name: 'a failing finally task fails the run',
    spec: pipeline([task('a')], [task('f')]),
    opts: { script: fails('f') },
    check: ({ record }) => expect(record.status).toBe('Failed'),
  },
  {
    name: 'retries rerun the whole task under a new name with the retry count',
    spec: pipeline([
      task('flaky', { retries: 2, steps: [step('try $(context.task.retry-count) of $(context.taskRun.name)')] }),
    ]),
    opts: { script: (plan) => (plan.attempt < 2 ? { status: 'Failed' } : {}) },
    check: ({ record, runtime, one }) => {
      expect(record.status).toBe('Succeeded');
      expect(runtime.starts.map((s) => s.name)).toEqual(['run1-flaky', 'run1-flaky-r1', 'run1-flaky-r2']);
      expect(runtime.starts[2]!.plan.steps[0]!.script).toBe('try 2 of run1-flaky-r2');
      expect(one('flaky')).toMatchObject({ status: 'Succeeded', attempts: 3, taskRun: 'run1-flaky-r2' });
    },
  },
  {
    name: 'retries run out: the task fails after 1 + retries attempts',
    spec: pipeline([task('bad', { retries: 1 })]),
    opts: { script: fails('bad') },
    check: ({ record, one }) => {
      expect(record.status).toBe('Failed');
      expect(one('bad')).toMatchObject({ status: 'Failed', attempts: 2 });
    },
  },
  {
    name: 'a task timeout cancels the task run as TimedOut, and a retry gets a fresh timeout',
    spec: pipeline([task('hang', { timeoutMs: 5000, retries: 1 }), task('next', { needs: ['hang'] })]),
    opts: { script: () => ({ hang: true }) },
    check: ({ record, runtime, one }) => {
      expect(runtime.cancels.map((c) => [c.name, c.reason])).toEqual([
        ['run1-hang', 'TimedOut'],
        ['run1-hang-r1', 'TimedOut'],
      ]);
      expect(runtime.cancels[1]!.at - runtime.cancels[0]!.at).toBe(5000);
      expect(one('hang')).toMatchObject({
        status: 'TimedOut',
        attempts: 2,
        reason: 'TimedOut',
        message: 'TaskRun "run1-hang-r1" failed to finish within 5s',
      });
      expect(one('next')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
      expect(record.status).toBe('Failed');
    },
  },
  {
    name: "a task stopped by its own timeout is named so, though the pipeline's deadline passes while it stops",
    spec: pipeline([task('hang', { timeoutMs: 5000 })], [], { timeoutMs: 6000 }),
    opts: { script: () => ({ hang: true, stopMs: 2000 }) },
    check: ({ runtime, one }) => {
      expect(runtime.cancels.map((c) => [c.name, c.reason, c.at - runtime.starts[0]!.at])).toEqual([
        ['run1-hang', 'TimedOut', 5000],
      ]);
      expect(one('hang')).toMatchObject({
        status: 'TimedOut',
        message: 'TaskRun "run1-hang" failed to finish within 5s',
      });
    },
  },
  {
    name: 'the pipeline timeout stops running tasks, skips the rest, and still runs finally',
    spec: pipeline([task('hang'), task('later', { needs: ['hang'] })], [task('cleanup')], { timeoutMs: 10_000 }),
    opts: { script: (plan) => (plan.task === 'hang' ? { hang: true } : {}) },
    check: ({ record, runtime, one, startedAt }) => {
      expect(runtime.cancels.map((c) => [c.name, c.reason, c.at - runtime.starts[0]!.at])).toEqual([
        ['run1-hang', 'TimedOut', 10_000],
      ]);
      expect(one('hang')).toMatchObject({
        status: 'TimedOut',
        message: 'TaskRun "run1-hang" was stopped: the pipeline run\'s timeout expired',
      });
      expect(one('later')).toMatchObject({ status: 'Skipped', reason: 'PipelineTimedOut' });
      expect(one('cleanup').status).toBe('Succeeded');
      expect(startedAt['run1-cleanup']).toBe(10_000);
      expect(record).toMatchObject({ status: 'TimedOut', reason: 'PipelineTimedOut' });
    },
  },
  {
    name: 'a timeout given with the run overrides the pipeline one',
    spec: pipeline([task('hang')], [], { timeoutMs: 10_000 }),
    opts: { script: () => ({ hang: true }), input: { timeoutMs: 2000 } },
    check: ({ record, runtime }) => {
      expect(runtime.cancels[0]!.at - runtime.starts[0]!.at).toBe(2000);
      expect(record.status).toBe('TimedOut');
    },
  },
  {
    name: 'cancelling stops running tasks and skips pending and finally ones',
    spec: pipeline(
      [task('a', { steps: [step('x'), step('y', { name: 'two' })] }), task('b', { needs: ['a'] })],
      [task('f')],
    ),
    opts: { script: () => ({ hang: true }), cancelAfterMs: 500 },
    check: ({ record, runtime, one }) => {
      expect(runtime.cancels).toMatchObject([{ name: 'run1-a', reason: 'Cancelled' }]);
      expect(one('a').status).toBe('Cancelled');
      expect(one('b')).toMatchObject({ status: 'Skipped', reason: 'PipelineCancelled' });
      expect(one('f')).toMatchObject({ status: 'Skipped', reason: 'PipelineCancelled' });
      expect(record.status).toBe('Cancelled');
      expect(runtime.cleaned).toEqual(['run1']);
    },
  },
  {
    name: 'pipeline results are made of task results once the run ends; one naming a result never produced is left out',
    spec: pipeline(
      [
        task('build', { results: ['digest', 'size'] }),
        task('test', { matrix: { os: ['linux', 'mac'] }, results: ['v'] }),
        task('scan', { results: ['report'] }),
      ],
      [task('notify', { results: ['sent'] })],
      {
        results: [
          { name: 'sent', value: '$(tasks.notify.results.sent)' },
          { name: 'image', value: 'registry/app@$(tasks.build.results.digest)', description: 'what was built' },
          { name: 'facts', value: { digest: '$(tasks.build.results.digest)', bytes: '$(tasks.build.results.size)' } },
          { name: 'versions', value: ['$(tasks.test.results.v[*])', 'extra'] },
          { name: 'report', value: '$(tasks.scan.results.report)' },
        ],
      },
    ),
    opts: {
      script: (plan) =>
        plan.task === 'build'
          ? { results: { digest: 'sha256:abc', size: '42' } }
          : plan.task === 'test'
            ? { results: { v: plan.matrix!.os } }
            : plan.task === 'notify'
              ? { results: { sent: 'yes' } }
              : { status: 'Failed' },
    },
    check: ({ record }) => {
      expect(record.status).toBe('Failed');
      expect(record.results).toEqual({
        sent: 'yes',
        image: 'registry/app@sha256:abc',
        facts: { digest: 'sha256:abc', bytes: '42' },
        versions: ['linux', 'mac', 'extra'],
      });
    },
  },
  {
    name: 'matrix fans out one task run per combination; readers get results as a JSON array',
    spec: pipeline([
      task('test', {
        matrix: { os: ['linux', 'mac'], node: ['18', '20'] },
        results: ['v'],
        steps: [step('test on $(matrix.os) node $(params.node)')],
      }),
      task('sum', { steps: [step('echo $(tasks.test.results.v)')] }),
    ]),
    opts: {
      script: (plan) => (plan.task === 'test' ? { results: { v: `${plan.matrix!.os}-${plan.matrix!.node}` } } : {}),
    },
    check: ({ runtime, byTask }) => {
      const starts = runtime.starts.filter((s) => s.task === 'test');
      expect(starts.map((s) => [s.name, s.plan.steps[0]!.script])).toEqual([
        ['run1-test-0', 'test on linux node 18'],
        ['run1-test-1', 'test on linux node 20'],
        ['run1-test-2', 'test on mac node 18'],
        ['run1-test-3', 'test on mac node 20'],
      ]);
      expect(byTask('test').map((t) => t.matrix)).toEqual([
        { os: 'linux', node: '18' },
        { os: 'linux', node: '20' },
        { os: 'mac', node: '18' },
        { os: 'mac', node: '20' },
      ]);
      expect(runtime.starts.find((s) => s.task === 'sum')!.plan.steps[0]!.script).toBe(
        'echo ["linux-18","linux-20","mac-18","mac-20"]',
      );
    },
  },
  {
    name: 'a result named in a matrix include orders the task after its producer and reaches its run',
    spec: pipeline([
      task('v', { results: ['extra'] }),
      task('t', {
        matrix: { os: ['linux'] },
        matrixInclude: [{ params: { flags: '$(tasks.v.results.extra)' } }],
        steps: [step('go $(params.os) $(params.flags)')],
      }),
    ]),
    opts: { script: (plan) => (plan.task === 'v' ? { results: { extra: '-race' }, durationMs: 500 } : {}) },
    check: ({ runtime, startedAt }) => {
      expect(startedAt['run1-t-0']).toBe(500);
      expect(runtime.starts.find((s) => s.task === 't')!.plan.steps[0]!.script).toBe('go linux -race');
    },
  },
  {
    name: 'one failing matrix combination fails the task and the run',
    spec: pipeline(
      [task('t', { matrix: { n: ['1', '2', '3'] } })],
      [task('f', { steps: [step('$(tasks.t.status)')] })],
    ),
    opts: { script: (plan) => (plan.matrix?.n === '2' ? { status: 'Failed' } : {}) },
    check: ({ record, byTask, runtime }) => {
      expect(byTask('t').map((t) => t.status)).toEqual(['Succeeded', 'Failed', 'Succeeded']);
      expect(runtime.starts.find((s) => s.task === 'f')!.plan.steps[0]!.script).toBe('Failed');
      expect(record.status).toBe('Failed');
    },
  },
  {
    name: 'a matrix parameter with no values skips the task',
    spec: pipeline([task('t', { matrix: { n: [] } })]),
    check: ({ one, runtime }) => {
      expect(one('t')).toMatchObject({ status: 'Skipped', reason: 'MatrixEmpty' });
      expect(runtime.starts).toEqual([]);
    },
  },
  {
    name: 'the concurrency limit caps running task runs',
    spec: pipeline(
      ['a', 'b', 'c', 'd', 'e'].map((n) => task(n)),
      [task('f')],
    ),
    opts: { input: { concurrency: 2 } },
    check: ({ record, runtime, startedAt }) => {
      expect(runtime.maxRunning).toBe(2);
      expect(record.status).toBe('Succeeded');
      expect(Object.values(startedAt).sort((x, y) => x - y)).toEqual([0, 0, 1000, 1000, 2000, 3000]);
    },
  },
  {
    name: 'a task run the runtime cannot start fails the task',
    spec: pipeline([task('a'), task('b', { needs: ['a'] })]),
    opts: { script: (plan) => (plan.task === 'a' ? { startError: 'no such directory' } : {}) },
    check: ({ record, one }) => {
      expect(one('a')).toMatchObject({ status: 'Failed', reason: 'StartFailed' });
      expect(one('b')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
      expect(record.status).toBe('Failed');
    },
  },
];

describe('engine', () => {
  it.each(cases)('$name', async ({ spec, opts, check }) => {
    check(await runFake(spec, opts));
  });

  it('reports the run as it goes, in order, ending with the final record', async () => {
    const { record, actions } = await runFake(pipeline([task('a'), task('b', { needs: ['a'] })]));
    expect(actions.map((a) => a.type)).toEqual(['start', 'start', 'finish']);
    expect(record.finishedAt).toBeDefined();
    expect(record.tasks.map((t) => [t.name, t.taskRun, t.attempts])).toEqual([
      ['a', 'run1-a', 1],
      ['b', 'run1-b', 1],
    ]);
  });
});

describe('engine: matrix values from references', () => {
  it('expands a matrix over an array param and a result once the task is ready', async () => {
    const spec = pipeline([
      task('list', { results: ['targets'] }),
      task('t', {
        matrix: { os: ['$(params.oses[*])'], target: ['$(tasks.list.results.targets[*])'] },
        steps: [step('$(matrix.os)/$(matrix.target)')],
      }),
    ]);
    const { runtime, byTask, record } = await runFake(spec, {
      input: { params: { oses: ['linux', 'mac'] } },
      script: (plan) => (plan.task === 'list' ? { results: { targets: '["a","b","c"]' } } : {}),
    });
    expect(runtime.starts.filter((s) => s.task === 't').map((s) => s.plan.steps[0]!.script)).toEqual([
      'linux/a',
      'linux/b',
      'linux/c',
      'mac/a',
      'mac/b',
      'mac/c',
    ]);
    expect(byTask('t')).toHaveLength(6);
    expect(record.status).toBe('Succeeded');
  });

  it('fails a matrix over the combination limit without starting it', async () => {
    const many = Array.from({ length: 17 }, (_, i) => String(i));
    const { runtime, one, record } = await runFake(
      pipeline([task('t', { matrix: { a: ['$(params.xs[*])'], b: ['$(params.xs[*])'] } })]),
      {
        input: { params: { xs: many } },
      },
    );
    expect(runtime.starts).toEqual([]);
    expect(one('t').status).toBe('Failed');
    expect(one('t').reason).toMatch(/^MatrixTooLarge: 289 combinations/);
    expect(record.status).toBe('Failed');
  });

  it('finishes when every expanded combination is skipped by when', async () => {
    const { byTask, record } = await runFake(
      pipeline([
        task('t', {
          matrix: { a: ['$(params.xs[*])'] },
          when: [{ input: '$(matrix.a)', operator: 'in', values: ['none'] }],
        }),
      ]),
      {
        input: { params: { xs: ['1', '2'] } },
      },
    );
    expect(byTask('t').map((t) => t.reason)).toEqual(['WhenExpressionsFalse', 'WhenExpressionsFalse']);
    expect(record.status).toBe('Succeeded');
  });

  it('releases what waits on a matrix whose combinations were all skipped', async () => {
    const { one, record } = await runFake(
      pipeline([
        task('t', {
          matrix: { a: ['$(params.xs[*])'] },
          results: ['r'],
          when: [{ input: 'x', operator: 'in', values: ['y'] }],
        }),
        task('after', { needs: ['t'] }),
        task('reader', { steps: [step('$(tasks.t.results.r)')] }),
      ]),
      { input: { params: { xs: ['1', '2'] } } },
    );
    expect(one('after').status).toBe('Succeeded');
    expect(one('reader')).toMatchObject({ status: 'Skipped', reason: 'ResultsMissing' });
    expect(record.status).toBe('Succeeded');
  });

  it('gives finally task params the statuses of the run', async () => {
    const { runtime } = await runFake(
      pipeline(
        [task('a')],
        [
          task('f', {
            params: { s: '$(tasks.status)', a: '$(tasks.a.status)' },
            steps: [step('$(params.s) $(params.a)')],
          }),
        ],
      ),
    );
    expect(runtime.starts.find((s) => s.task === 'f')!.plan.steps[0]!.script).toBe('Succeeded Succeeded');
  });

  it("names the failed tasks in $(context.pipelineRun.failedTasks), in the pipeline's order, finally ones aside", async () => {
    const failing = ['z', 'y'];
    const { runtime } = await runFake(
      pipeline(
        [task('z'), task('ok'), task('y'), task('later', { needs: ['ok'] })],
        [
          task('f', { steps: [step('fail')] }),
          task('g', { needs: ['f'], steps: [step('[$(context.pipelineRun.failedTasks)]')] }),
        ],
      ),
      { script: (plan) => (failing.includes(plan.task) || plan.task === 'f' ? { status: 'Failed' } : {}) },
    );
    const started = (name: string) => runtime.starts.find((s) => s.task === name)!.plan.steps[0]!.script;
    expect(runtime.starts.map((s) => s.task)).not.toContain('later');
    expect(started('g')).toBe('[z, y]');
  });
});

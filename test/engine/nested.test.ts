// Pipelines in pipelines on the fake runtime: a task runs a pipeline file with params and reads its
// results; the child's task runs share the run (named under the task run, shipped under the root
// run) and its record nests under the task; recursion ends by a condition or at the depth limit;
// a cancel or the task's timeout stops the child; an unconditional cycle across files is an error.
import { describe, expect, it } from 'vitest';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { runFake } from '../../testkit/pipelines.js';
import type { TaskRunPlan } from '../../engine/index.js';
import type { FakeOutcome } from '../../runtimes/fake/index.js';

const FILES: Record<string, string> = {
  'main.yaml': `
name: main
params: { env: { default: staging } }
workspaces: [source]
tasks:
  build:
    results: [image]
    steps: [{ run: "build" }]
  deploy:
    pipeline: ./deploy.yaml
    workspaces: { src: source }
    params: { image: "$(tasks.build.results.image)", env: "$(params.env)" }
  report:
    steps: [{ run: "echo deployed $(tasks.deploy.results.url)" }]
`,
  'deploy.yaml': `
name: deploy
params: { image: {}, env: { default: dev } }
workspaces: [src]
tasks:
  push:
    results: [url]
    steps: [{ run: "push $(params.image) to $(params.env) from $(workspaces.src.path)" }]
results:
  url: $(tasks.push.results.url)
`,
  'countdown.yaml': `
name: countdown
params: { n: { default: "3" } }
tasks:
  dec:
    results: [next]
    steps: [{ run: "expr $(params.n) - 1" }]
  again:
    when: [{ cel: "$(tasks.dec.results.next) > 0" }]
    pipeline: ./countdown.yaml
    params: { n: "$(tasks.dec.results.next)" }
`,
  'a.yaml': 'name: a\ntasks:\n  call-b:\n    pipeline: ./b.yaml\n',
  'b.yaml': 'name: b\ntasks:\n  call-a:\n    pipeline: ./a.yaml\n',
};
const load = (file: string, text = FILES[file]!) =>
  parsePipelineText(text, file, {
    readFile: (p) =>
      FILES[p] ??
      (() => {
        throw new Error('ENOENT');
      })(),
  }).pipeline;
const countdown = (plan: TaskRunPlan) => {
  const n = Number(/expr (\d+)/.exec(plan.steps[0]?.script ?? '')?.[1]);
  return plan.task === 'dec' ? { results: { next: String(n - 1) } } : {};
};

describe('pipelines in pipelines', () => {
  it('runs the called pipeline with its params, reads its results, and nests its record', async () => {
    const { record, runtime, one } = await runFake(load('main.yaml'), {
      input: { params: { env: 'prod' }, workspaces: { source: { kind: 'dir', path: '/src' } } },
      script: (plan): FakeOutcome =>
        plan.task === 'build'
          ? { results: { image: 'img-1' } }
          : plan.task === 'push'
            ? { results: { url: 'https://prod/img-1' } }
            : {},
    });
    expect(record.status).toBe('Succeeded');
    const push = runtime.starts.find((s) => s.task === 'push')!.plan;
    expect(push).toMatchObject({ name: 'run1-deploy-push', pipelineRun: 'run1', pipeline: 'deploy' });
    // The child's "src" is the caller's "source": its runtime path is the caller's directory.
    expect(push.steps[0]!.script).toBe('push img-1 to prod from $(workspaces.src.path)');
    expect(push.workspaces).toEqual([{ name: 'src', workspace: 'source' }]);
    expect(push.workspaceBindings).toEqual({ source: { kind: 'dir', path: '/src' } });
    expect(runtime.starts.find((s) => s.task === 'report')!.plan.steps[0]!.script).toBe(
      'echo deployed https://prod/img-1',
    );
    const deploy = one('deploy');
    expect(deploy).toMatchObject({
      status: 'Succeeded',
      taskRun: 'run1-deploy',
      results: { url: 'https://prod/img-1' },
    });
    expect(deploy.child).toMatchObject({
      id: 'run1-deploy',
      name: 'deploy',
      status: 'Succeeded',
      params: { image: 'img-1', env: 'prod' },
      tasks: [{ name: 'push', taskRun: 'run1-deploy-push', status: 'Succeeded' }],
      results: { url: 'https://prod/img-1' },
    });
  });

  it('recurses until its condition is false', async () => {
    const { record, runtime } = await runFake(load('countdown.yaml'), {
      input: { params: { n: '3' } },
      script: countdown,
    });
    expect(record.status).toBe('Succeeded');
    expect(runtime.starts.map((s) => s.name)).toEqual(['run1-dec', 'run1-again-dec', 'run1-again-again-dec']);
    const deepest = record.tasks[1]!.child!.tasks[1]!.child!;
    expect(deepest.tasks.map((t) => [t.name, t.status, t.reason])).toEqual([
      ['dec', 'Succeeded', undefined],
      ['again', 'Skipped', 'WhenExpressionsFalse'],
    ]);
  });

  it('stops at the depth limit with a clear reason, failing every caller', async () => {
    const { record } = await runFake(load('countdown.yaml'), {
      input: { params: { n: '50' }, maxDepth: 3 },
      script: countdown,
    });
    expect(record.status).toBe('Failed');
    let level = record;
    for (let depth = 0; depth < 3; depth++) {
      expect(level.tasks[1]).toMatchObject({ name: 'again', status: 'Failed' });
      level = level.tasks[1]!.child!;
    }
    expect(level.tasks[1]!.reason).toBe(
      'PipelineDepthExceeded: running "countdown" would nest pipelines 4 deep, more than 3 (kiln run --max-depth)',
    );
    expect(level.tasks[1]!.child).toBeUndefined();
  });

  it('a cancel reaches the called pipeline, and the task timeout stops it as TimedOut', async () => {
    const hang = (plan: TaskRunPlan) => (plan.task === 'push' ? { hang: true } : { results: { image: 'i' } });
    const cancelled = await runFake(load('main.yaml'), { script: hang, cancelAfterMs: 5000 });
    expect(cancelled.record.status).toBe('Cancelled');
    expect(cancelled.runtime.cancels.map((c) => c.name)).toEqual(['run1-deploy-push']);
    expect(cancelled.one('deploy').child!.status).toBe('Cancelled');
    const main = load(
      'main.yaml',
      FILES['main.yaml']!.replace('pipeline: ./deploy.yaml', 'pipeline: ./deploy.yaml\n    timeout: 3s'),
    );
    const timed = await runFake(main, { script: hang });
    expect(timed.one('deploy')).toMatchObject({ status: 'TimedOut' });
    expect(timed.one('report')).toMatchObject({ status: 'Skipped', reason: 'PipelineFailing' });
  });

  it('names a cycle of unconditional calls across files at validation', () => {
    let err: unknown;
    try {
      load('a.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).diagnostics).toEqual([
      expect.objectContaining({
        file: 'a.yaml',
        line: 3,
        message: 'pipelines call each other with no condition, so they would never end: a.yaml -> b.yaml -> a.yaml',
      }),
    ]);
  });

  it.each([
    ['pipeline: ./deploy.yaml\n    params: { img: x }', 'has no param "img"'],
    ['pipeline: ./deploy.yaml', '"deploy" needs param "image"'],
    ['pipeline: ./nope.yaml', 'pipeline: cannot read "./nope.yaml"'],
    [
      'pipeline: ./deploy.yaml\n    params: { image: x }\n    steps: [{ run: x }]',
      'steps cannot be given with pipeline:',
    ],
    ['params: { x: y }\n    steps: [{ run: x }]', 'params: goes with pipeline:'],
    [
      'pipeline: ./deploy.yaml\n    params: { image: x }\n    workspaces: { src: nope }',
      'this pipeline has no workspace "nope"',
    ],
  ])('refuses %s', (lines, message) => {
    let err: unknown;
    try {
      load('x.yaml', `name: x\nworkspaces: [src]\ntasks:\n  t:\n    ${lines}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain(message);
  });

  it("reads Tekton's pipelineRef and pipelineSpec in a pipeline task, and runs both", async () => {
    const { pipeline } = parsePipelineText(`
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: { name: child }
spec:
  params: [{ name: msg }]
  workspaces: [{ name: data }]
  tasks:
    - name: say
      params: [{ name: msg, value: $(params.msg) }]
      taskSpec:
        params: [{ name: msg }]
        results: [{ name: out }]
        steps: [{ name: s, image: busybox, script: "echo $(params.msg)" }]
  results: [{ name: said, value: $(tasks.say.results.out) }]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: { name: parent }
spec:
  workspaces: [{ name: shared }]
  tasks:
    - name: by-ref
      pipelineRef: { name: child }
      params: [{ name: msg, value: hello }]
      workspaces: [{ name: data, workspace: shared }]
    - name: inline
      pipelineSpec:
        tasks:
          - name: echo
            taskSpec:
              steps: [{ name: s, image: busybox, script: "echo inline" }]
    - name: after
      params: [{ name: got, value: $(tasks.by-ref.results.said) }]
      taskSpec:
        params: [{ name: got }]
        steps: [{ name: s, image: busybox, script: "echo $(params.got)" }]
`);
    expect(pipeline.tasks.map((t) => [t.name, t.pipeline?.ref, t.results])).toEqual([
      ['by-ref', 'Pipeline child', ['said']],
      ['inline', 'Pipeline parent/inline', []],
      ['after', undefined, []],
    ]);
    expect(pipeline.tasks[0]!.pipeline!.workspaces).toEqual({ data: 'shared' });
    const { record, runtime } = await runFake(pipeline, {
      script: (plan) => (plan.task === 'say' ? { results: { out: 'hello' } } : {}),
    });
    expect(record.status).toBe('Succeeded');
    expect(runtime.starts.map((s) => s.name).sort()).toEqual(['run1-after', 'run1-by-ref-say', 'run1-inline-echo']);
    expect(runtime.starts.find((s) => s.task === 'after')!.plan.steps[0]!.script).toBe('echo hello');
  });

  it("reads Tekton's spellings in a Kiln pipeline task: pipelineRef {name} as pipeline:, an embedded pipelineSpec", async () => {
    const pipeline = load(
      'embedding.yaml',
      `
name: embedding
workspaces: [source]
tasks:
  by-ref:
    pipelineRef: { name: ./deploy.yaml }
    params: { image: img }
    workspaces: { src: source }
  inline:
    params: { who: "$(tasks.by-ref.results.url)" }
    pipelineSpec:
      params: { who: {} }
      tasks:
        greet:
          results: [text]
          steps: [{ run: "echo hi $(params.who)" }]
      results: { said: $(tasks.greet.results.text) }
  after:
    steps: [{ run: "echo $(tasks.inline.results.said)" }]
`,
    );
    expect(pipeline.tasks.map((t) => [t.name, t.pipeline?.ref, t.results])).toEqual([
      ['by-ref', 'deploy.yaml', ['url']],
      ['inline', 'embedding.yaml#12:7', ['said']],
      ['after', undefined, []],
    ]);
    expect(pipeline.pipelines!['embedding.yaml#12:7']).toMatchObject({ name: 'inline' });
    const { record, runtime } = await runFake(pipeline, {
      input: { workspaces: { source: { kind: 'dir', path: '/src' } } },
      script: (plan): FakeOutcome =>
        plan.task === 'push'
          ? { results: { url: 'u1' } }
          : plan.task === 'greet'
            ? { results: { text: plan.steps[0]!.script! } }
            : {},
    });
    expect(record.status).toBe('Succeeded');
    expect(runtime.starts.find((s) => s.task === 'after')!.plan.steps[0]!.script).toBe('echo echo hi u1');
    expect(record.tasks.find((t) => t.name === 'inline')!.child).toMatchObject({ name: 'inline', status: 'Succeeded' });
  });

  it.each([
    [
      'pipeline: ./deploy.yaml\n    pipelineSpec: { tasks: { a: { steps: [{ run: x }] } } }',
      'has both pipeline and pipelineSpec',
    ],
    ['pipelineRef: { nam: x }', 'pipelineRef: unknown key "nam"'],
    [
      'pipelineSpec: { tasks: { a: { steps: [{ run: x }] } } }\n    image: x',
      'image cannot be given with pipelineSpec:',
    ],
  ])('refuses %s', (lines, message) => {
    expect(() => load('x.yaml', `name: x\ntasks:\n  t:\n    ${lines}\n`)).toThrow(message);
  });
});

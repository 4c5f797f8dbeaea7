import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, loadPipelineFiles, parsePipelineText, topologicalLevels } from '../../syntax/index.js';
import { REPO } from '../../testkit/kiln-cli.js';
import { runFake } from '../../testkit/pipelines.js';
import { brief, diagnosticsOf, FIXTURES } from './helpers.js';

describe('Tekton: a multi-document file (StepAction, Tasks, Pipeline, PipelineRun)', () => {
  const { pipeline, run } = loadPipelineFiles([join(FIXTURES, 'tekton-build.yaml')]);
  const task = (name: string) => [...pipeline.tasks, ...pipeline.finally].find((t) => t.name === name)!;

  it('picks the PipelineRun and returns its params, workspaces and timeout', () => {
    expect(pipeline.name).toBe('build-and-test');
    expect(run).toEqual({
      name: 'build-and-test-run-1',
      params: { 'repo-url': 'https://example.com/app.git', 'test-flags': ['--ci'] },
      workspaces: { shared: { kind: 'emptyDir' } },
      timeoutMs: 3_600_000,
    });
  });

  it('reads the pipeline results', () => {
    expect(pipeline.results).toEqual([
      { name: 'commit', description: 'the commit that was built', value: '$(tasks.fetch.results.commit)' },
      {
        name: 'built',
        value: { commit: '$(tasks.fetch.results.commit)', archive: '$(tasks.package.results.archive)' },
      },
    ]);
  });

  it('passes pipeline params into referenced Tasks as task params, with Task defaults', () => {
    expect(task('fetch').params).toEqual({ url: '$(params.repo-url)', revision: '$(params.revision)' });
    expect(task('test').params).toEqual({
      flags: ['$(params.test-flags[*])'],
      commit: '$(tasks.fetch.results.commit)',
    });
    expect(pipeline.params.find((p) => p.name === 'test-flags')).toMatchObject({
      type: 'array',
      default: ['--ci', '--coverage'],
    });
  });

  it('orders by runAfter and by result references; finally is apart', () => {
    const graph = buildGraph(pipeline);
    expect(topologicalLevels(graph)).toEqual([['fetch'], ['test'], ['package']]);
    expect(graph.edges).toEqual([
      { from: 'fetch', to: 'test', via: 'result' },
      { from: 'test', to: 'package', via: 'needs' },
    ]);
    expect(graph.finally).toEqual(['report']);
    expect(task('report').params).toEqual({ outcome: '$(tasks.status)' });
  });

  it('merges stepTemplate into steps and inlines StepActions with their params', () => {
    const [clone, announce] = task('fetch').steps;
    expect(clone).toMatchObject({
      name: 'clone',
      image: 'alpine/git',
      workingDir: '$(workspaces.output.path)',
      env: { GIT_TERMINAL_PROMPT: '0' },
    });
    expect(clone!.script!.startsWith('#!/bin/sh\n')).toBe(true);
    expect(announce).toMatchObject({
      name: 'announce',
      image: 'alpine',
      command: ['echo'],
      args: ['[info]', 'fetched $(params.url)'],
    });
  });

  it('reads when, retries, timeout, displayName, workspaces with subPath', () => {
    expect(task('package').when).toEqual([
      { input: '$(params.deploy)', operator: 'in', values: ['yes', 'true'], pos: expect.anything() },
    ]);
    expect(task('package').displayName).toBe('Package the app');
    expect(task('test')).toMatchObject({ retries: 2, timeoutMs: 900_000 });
    expect(task('test').workspaces).toEqual([{ name: 'source', workspace: 'shared', subPath: 'src' }]);
    expect(task('test').steps[0]!.env).toEqual({ ATTEMPT: '$(context.task.retry-count)' });
  });

  it('reads the same documents split over several files', () => {
    const files = ['tekton-split/tasks.yaml', 'tekton-split/pipeline.yaml'].map((f) => join(FIXTURES, f));
    const split = loadPipelineFiles(files);
    expect(split.pipeline.tasks.map((t) => [t.name, t.needs])).toEqual([
      ['checkout', []],
      ['build', ['checkout']],
    ]);
    expect(split.pipeline.files).toEqual(files);
  });
});

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: tekton.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const echoTask = doc('Task', 'echo', '  steps:\n    - name: e\n      image: alpine\n      script: echo hi\n');

describe('Tekton: other document shapes', () => {
  it('runs a TaskRun on its own as a one-task pipeline, params passed through', () => {
    const text = `${doc('Task', 'greet', '  params:\n    - name: who\n    - name: list\n      type: array\n      default: [a]\n  steps:\n    - image: alpine\n      command: [echo, "$(params.who)", "$(params.list[*])"]\n')}---\napiVersion: tekton.dev/v1beta1\nkind: TaskRun\nmetadata:\n  name: greet-run\nspec:\n  taskRef: { name: greet }\n  retries: 1\n  timeout: 90s\n  params:\n    - { name: who, value: world }\n`;
    const { pipeline, run } = parsePipelineText(text);
    expect(pipeline.name).toBe('greet-run');
    expect(pipeline.params.map((p) => p.name)).toEqual(['who', 'list']);
    expect(pipeline.tasks[0]).toMatchObject({
      name: 'greet',
      retries: 1,
      timeoutMs: 90_000,
      params: { who: '$(params.who)', list: ['$(params.list[*])'] },
    });
    expect(run).toEqual({ name: 'greet-run', params: { who: 'world' }, workspaces: {} });
  });

  it('reads a lone Task as a one-task pipeline', () => {
    const { pipeline, run } = parsePipelineText(echoTask);
    expect(pipeline.tasks.map((t) => t.name)).toEqual(['echo']);
    expect(run).toBeUndefined();
  });

  it('reads an embedded pipelineSpec whose embedded taskSpec sees the pipeline params (propagation)', () => {
    const text = `apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata:\n  generateName: pr-\nspec:\n  timeout: 5m\n  params: [{ name: msg, value: hello }]\n  pipelineSpec:\n    params: [{ name: msg }]\n    tasks:\n      - name: say\n        taskSpec:\n          steps:\n            - image: alpine\n              script: echo $(params.msg)\n`;
    const { pipeline, run } = parsePipelineText(text);
    expect(pipeline.tasks[0]!.steps[0]!.script).toBe('echo $(params.msg)');
    expect(run).toEqual({ params: { msg: 'hello' }, workspaces: {}, timeoutMs: 300_000 });
  });

  it('takes params nothing declares as Tekton does: ignored by a reference, propagated into a spec', () => {
    const pipeline = doc(
      'Pipeline',
      'p',
      '  params: [{ name: x }]\n  tasks:\n    - name: a\n      taskRef: { name: echo }\n      params: [{ name: extra, value: "1" }]\n    - name: b\n      params: [{ name: given, value: "$(params.x)" }]\n      taskSpec:\n        steps:\n          - image: alpine\n            script: echo $(params.given)\n',
    );
    const run = `apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: r\nspec:\n  pipelineRef: { name: p }\n  params: [{ name: x, value: "2" }, { name: stray, value: "3" }]\n`;
    const read = parsePipelineText(`${echoTask}---\n${pipeline}---\n${run}`);
    expect(read.pipeline.tasks.map((t) => t.params)).toEqual([{}, { given: '$(params.x)' }]);
    expect(read.run?.params).toEqual({ x: '2' });
  });

  it('orders by the old v1alpha1 resources.inputs[].from', () => {
    const text = `${echoTask}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: echo }\n    - name: b\n      taskRef: { name: echo }\n      resources:\n        inputs:\n          - name: src\n            resource: repo\n            from: [a]\n')}`;
    expect(parsePipelineText(text).pipeline.tasks[1]!.needs).toEqual(['a']);
  });

  it('reads array indexing and object params', () => {
    const text = doc(
      'Pipeline',
      'p',
      '  params:\n    - name: l\n      type: array\n      default: [x, y]\n    - name: o\n      type: object\n      properties: { k: {} }\n      default: { k: v }\n  tasks:\n    - name: a\n      taskSpec:\n        steps:\n          - image: alpine\n            script: echo $(params.l[1]) $(params.o.k) $(params["l"][*])\n',
    );
    expect(parsePipelineText(text).pipeline.params.map((p) => [p.type, p.default])).toEqual([
      ['array', ['x', 'y']],
      ['object', { k: 'v' }],
    ]);
  });
});

describe('Tekton: matrix and Tasks as Kiln templates', () => {
  it('reads matrix params as lists or array references, and counts combinations', () => {
    const text = `${doc('Task', 't', '  params: [{ name: os }, { name: v }]\n  steps: [{ image: a, script: "$(params.os) $(params.v)" }]\n')}---\n${doc('Pipeline', 'p', '  params: [{ name: versions, type: array }]\n  tasks:\n    - name: a\n      taskRef: { name: t }\n      matrix:\n        params:\n          - { name: os, value: [linux, mac] }\n          - { name: v, value: "$(params.versions[*])" }\n')}`;
    expect(parsePipelineText(text).pipeline.tasks[0]).toMatchObject({
      params: {},
      matrix: { os: ['linux', 'mac'], v: ['$(params.versions[*])'] },
    });
    const big = text.replace('[linux, mac]', `[${Array.from({ length: 257 }, (_, i) => `o${i}`).join(', ')}]`);
    expect(diagnosticsOf(big).map(brief)).toEqual(['19:9 matrix has 257 combinations, more than 256']);
  });

  it('reads matrix include, runs each combination with its params, and refuses a malformed entry', async () => {
    const task = doc(
      'Task',
      't',
      '  params: [{ name: os }, { name: flags, default: "" }]\n  steps: [{ image: a, script: "build $(params.os) $(params.flags)" }]\n',
    );
    const pipe = (include: string) =>
      `${task}---\n${doc('Pipeline', 'p', `  tasks:\n    - name: a\n      taskRef: { name: t }\n      matrix:\n        params:\n          - { name: os, value: [linux, mac] }\n        include:\n${include}`)}`;
    const { pipeline } = parsePipelineText(
      pipe(
        '          - name: race\n            params: [{ name: os, value: linux }, { name: flags, value: "-race" }]\n          - name: bsd\n            params: [{ name: os, value: freebsd }]\n',
      ),
    );
    expect(pipeline.tasks[0]!.matrixInclude).toEqual([
      { name: 'race', params: { os: 'linux', flags: '-race' } },
      { name: 'bsd', params: { os: 'freebsd' } },
    ]);
    const { runtime } = await runFake(pipeline);
    expect(runtime.starts.map((s) => s.plan.steps[0]!.script)).toEqual([
      'build linux -race',
      'build mac ',
      'build freebsd ',
    ]);
    expect(
      diagnosticsOf(
        pipe('          - name: empty\n            params: []\n          - params: [{ name: os, value: [a, b] }]\n'),
      ).map(brief),
    ).toEqual([
      '21:13 Pipeline p.tasks[0].matrix.include[0] gives no params',
      '23:13 Pipeline p.tasks[0].matrix.include[1] gives no params',
      '23:22 Pipeline p.tasks[0].matrix.include[1]: "os" takes one string value in an include',
    ]);
  });

  it('lets a Kiln pipeline use a Tekton Task file as a template', () => {
    const { pipeline } = loadPipelineFiles([join(FIXTURES, 'uses-tekton.yaml')]);
    expect(pipeline.tasks[0]).toMatchObject({
      name: 'say',
      results: ['said'],
      params: { words: ['$(params.words[*])', '!'] },
    });
    expect(pipeline.tasks[0]!.steps[0]).toMatchObject({ command: ['echo'], args: ['$(params.words[*])'] });
    expect(pipeline.tasks[1]!.needs).toEqual([]);
  });
});

// Tekton inputs Kiln refuses or rejects, each with its position.
const TEKTON_ERRORS: [string, string, string[]][] = [
  [
    'a step with neither command nor script',
    doc('Task', 't', '  steps:\n    - name: s\n      image: alpine\n'),
    ['7:7 step "s" has neither command nor script'],
  ],
  [
    'a Secret workspace whose Secret is not given',
    `${doc('Task', 't', '  workspaces: [{ name: w }]\n  steps: [{ image: a, script: x }]\n')}---\napiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: { name: r }\nspec:\n  taskRef: { name: t }\n  workspaces:\n    - name: w\n      secret: { secretName: s }\n`,
    ['16:15 spec.workspaces.w.secret: there is no Secret "s" in the files given'],
  ],
  [
    "a sidecar's livenessProbe",
    doc(
      'Task',
      't',
      '  sidecars:\n    - name: s\n      image: a\n      command: [x]\n      livenessProbe: {}\n  steps: [{ image: a, script: x }]\n',
    ),
    ['10:7 Task t.sidecars[0]: "livenessProbe" is not supported'],
  ],
  [
    "a sidecar's startupProbe of no kind Kiln runs",
    doc(
      'Task',
      't',
      '  sidecars:\n    - name: s\n      image: a\n      command: [x]\n      startupProbe: { periodSeconds: 1 }\n  steps: [{ image: a, script: x }]\n',
    ),
    ['10:21 Task t.sidecars[0].startupProbe needs one of exec, tcpSocket, httpGet'],
  ],
  [
    'an unknown key with did-you-mean',
    doc('Task', 't', '  steps:\n    - image: a\n      scirpt: x\n'),
    ['8:7 Task t.steps[0]: unknown key "scirpt"', '7:7 step "step-1" has neither command nor script'],
  ],
  [
    'a missing taskRef, and nothing more about what uses it',
    `${echoTask}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: ehco }\n      params: [{ name: x, value: y }]\n      workspaces: [{ name: w, workspace: w }]\n    - name: b\n      taskRef: { name: echo }\n      when: [{ input: "$(tasks.a.results.r)", operator: in, values: [x] }]\n')}`,
    ['18:16 Pipeline p.tasks[0].taskRef: there is no Task "ehco" in the files given'],
  ],
  [
    'runAfter a missing task',
    `${echoTask}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: echo }\n      runAfter: [x]\n')}`,
    ['19:18 runAfter: there is no task "x"'],
  ],
  [
    'an unbound Task workspace',
    `${doc('Task', 't', '  workspaces: [{ name: w }]\n  steps: [{ image: a, script: x }]\n')}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: t }\n')}`,
    ['15:7 Pipeline p.tasks[0]: workspace "w" of task "t" is not bound'],
  ],
  [
    'a Task param not given',
    `${doc('Task', 't', '  params: [{ name: x }]\n  steps: [{ image: a, script: "$(params.x)" }]\n')}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: t }\n')}`,
    ['15:7 "t" needs param "x"'],
  ],
  [
    'a referenced Task using a pipeline param',
    `${doc('Task', 't', '  steps: [{ image: a, script: "$(params.x)" }]\n')}---\n${doc('Pipeline', 'p', '  params: [{ name: x }]\n  tasks:\n    - name: a\n      taskRef: { name: t }\n')}`,
    ['6:32 $(params.x): no param "x" is declared'],
  ],
  [
    'two runs',
    `${doc('PipelineRun', 'a', '  pipelineRef: { name: p }\n')}---\n${doc('PipelineRun', 'b', '  pipelineRef: { name: p }\n')}`,
    ['8:1 more than one thing to run: PipelineRun a, PipelineRun b'],
  ],
  [
    'a CEL when that does not parse',
    `${echoTask}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: echo }\n      when: [{ cel: "1 +" }]\n')}`,
    ['19:21 Pipeline p.tasks[0].when.cel: not a CEL expression: at 1:3: found +'],
  ],
  [
    'remote resolution',
    doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { resolver: git }\n'),
    ['8:16 Pipeline p.tasks[0].taskRef: the git resolver needs params url and pathInRepo'],
  ],
  [
    'a missing StepAction, and image set beside ref',
    doc('Task', 't', '  steps:\n    - name: s\n      image: alpine\n      ref: { name: git-clone }\n'),
    [
      '8:14 Task t.steps[0]: image cannot be set on a step that uses a StepAction (ref:)',
      '9:12 Task t.steps[0].ref: there is no StepAction "git-clone"',
    ],
  ],
  [
    'a StepAction param not given',
    `${doc('StepAction', 'say', '  params: [{ name: msg }]\n  image: alpine\n  script: echo $(params.msg)\n')}---\n${doc('Task', 't', '  steps:\n    - ref: { name: say }\n')}`,
    ['16:12 "StepAction say" needs param "msg"'],
  ],
  [
    'an unknown apiVersion',
    'apiVersion: tekton.dev/v2\nkind: Task\n',
    ['1:13 apiVersion "tekton.dev/v2" is not one Kiln reads'],
  ],
  [
    'an env valueFrom from a missing ConfigMap, and from a Pod field',
    doc(
      'Task',
      't',
      '  steps:\n    - image: a\n      script: x\n      env:\n        - { name: A, valueFrom: { configMapKeyRef: { name: c, key: k } } }\n        - { name: B, valueFrom: { fieldRef: { fieldPath: metadata.name } } }\n',
    ),
    [
      '10:52 Task t.steps[0].env.A.valueFrom: there is no ConfigMap "c" with key "k" in the files given',
      '11:35 Task t.steps[0].env.B.valueFrom: "fieldRef" is not supported',
    ],
  ],
];

describe('Tekton: refused and wrong inputs, with positions', () => {
  it.each(TEKTON_ERRORS)('%s', (_what, yaml, expected) => {
    const lines = diagnosticsOf(yaml).map(brief);
    for (const e of expected)
      expect(
        lines.some((l) => l.startsWith(e)),
        `${e}\nin:\n${lines.join('\n')}`,
      ).toBe(true);
    expect(lines).toHaveLength(expected.length);
  });

  it('hints at the near name of a missing Task', () => {
    const text = `${echoTask}---\n${doc('Pipeline', 'p', '  tasks:\n    - name: a\n      taskRef: { name: ehco }\n')}`;
    expect(diagnosticsOf(text)[0]!.hint).toBe('did you mean "echo"? Or pass the file that holds it to kiln as well');
  });
});

describe('Tekton: references Tekton leaves as written', () => {
  const taskRun = (env: string) =>
    doc(
      'TaskRun',
      'tr',
      `  params:
    - name: s
      value: text
  taskSpec:
    steps:
      - name: one
        image: busybox
        env:
          - name: V
            value: ${env}
        script: echo "$V"
`,
    );

  it('[*] of a string param and an unknown $(context.x…) are warnings with FILE:LINE:COL, left as written', () => {
    for (const [ref, message] of [
      ['$(params.s[*])', 'param "s" is a string, not an array; left as written, as Tekton does'],
      ['$(context.build.status)', 'unknown context variable "build.status"; left as written, as Tekton does'],
      // In a step Tekton's webhook checks only context.taskRun and context.task.
      ['$(context.pipelineRun.nme)', 'unknown context variable "pipelineRun.nme"; left as written, as Tekton does'],
    ]) {
      const { pipeline } = parsePipelineText(taskRun(`"${ref}"`), 'tr.yaml');
      expect(pipeline.warnings).toEqual([expect.stringMatching(/^tr\.yaml:15:\d+: warning: /)]);
      expect(pipeline.warnings![0]).toContain(`${ref}: ${message}`);
      expect(pipeline.tasks[0]!.steps[0]!.env).toEqual({ V: ref });
    }
  });

  it("an unknown field of a context object Tekton's webhook checks there is refused", () => {
    expect(diagnosticsOf(taskRun('"$(context.taskRun.nope)"')).map(brief)).toEqual([
      '15:21 $(context.taskRun.nope): unknown context variable "taskRun.nope"',
    ]);
    // A pipeline task's params: context.pipelineRun, pipeline and pipelineTask are checked there.
    const pipelineRun = doc(
      'PipelineRun',
      'pr',
      `  pipelineSpec:
    tasks:
      - name: t
        params:
          - name: x
            value: "$(context.pipelineRun.nope) $(context.taskRun.nope)"
        taskSpec:
          params:
            - name: x
          steps:
            - name: one
              image: busybox
              script: echo "$(params.x)"
`,
    );
    const diags = diagnosticsOf(pipelineRun);
    expect(diags.map(brief)).toEqual([
      '11:21 $(context.pipelineRun.nope): unknown context variable "pipelineRun.nope"',
    ]);
    expect(
      parsePipelineText(pipelineRun.replace('$(context.pipelineRun.nope) ', ''), 'pr.yaml').pipeline.warnings,
    ).toEqual([
      expect.stringContaining('$(context.taskRun.nope): unknown context variable "taskRun.nope"; left as written'),
    ]);
  });

  it('a pipeline without slips has no warnings', () => {
    expect(parsePipelineText(taskRun('"$(params.s)"'), 'tr.yaml').pipeline.warnings).toBeUndefined();
  });
});

describe('Tekton: reserved names', () => {
  it('a task result named kiln.artifacts is refused at its name, with a hint', () => {
    const yaml = doc(
      'TaskRun',
      'tr',
      `  taskSpec:
    results:
      - name: kiln.artifacts
    steps:
      - name: one
        image: busybox
        script: echo hi
`,
    );
    const diags = diagnosticsOf(yaml);
    expect(diags.map(brief)).toEqual([
      '8:15 spec.taskSpec.results: "kiln.artifacts" is a name Kiln reserves (it carries the task\'s artifacts, $(tasks.t.outputs.n))',
    ]);
    expect(diags[0]!.hint).toBe('give the result another name');
  });
});

describe('Tekton: taskRunSpecs sidecarSpecs', () => {
  const run = (sidecar: string) =>
    doc(
      'PipelineRun',
      'pr',
      `  taskRunSpecs:
    - pipelineTaskName: t
      sidecarSpecs:
        - name: ${sidecar}
          computeResources: { limits: { memory: 64Mi } }
  pipelineSpec:
    tasks:
      - name: t
        taskSpec:
          sidecars:
            - name: db
              image: busybox
              script: sleep 60
          steps:
            - name: s
              image: busybox
              script: "true"
`,
    );

  it('names a sidecar of its task', () => {
    expect(diagnosticsOf(run('db'))).toEqual([]);
    const diags = diagnosticsOf(run('dbb'));
    expect(diags.map(brief)).toEqual(['7:7 spec.taskRunSpecs: task "t" has no sidecar "dbb"']);
    expect(diags[0]!.hint).toBe('its sidecars: db');
  });
});

describe("Tekton: a PipelineRun's taskRunTemplate", () => {
  it("goes under each task's taskRunSpecs entry as Tekton's GetTaskRunSpec merges them", () => {
    const { run } = parsePipelineText(
      readFileSync(join(REPO, 'test/e2e/tekton-cases/task-run-template.yaml'), 'utf8'),
      'trt.yaml',
    );
    expect(run!.taskRunSpecs!.map(({ pos: _pos, ...s }) => s)).toEqual([
      {
        pipelineTaskName: 'build',
        serviceAccountName: 'default-builder',
        podTemplate: { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, env: [{ name: 'MODE', value: 'template' }] },
      },
      {
        pipelineTaskName: 'test',
        serviceAccountName: 'tester',
        metadata: { labels: { team: 'qa' } },
        // The entry's env wins by name; the template's nodeSelector stays.
        podTemplate: { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, env: [{ name: 'MODE', value: 'test' }] },
      },
    ]);
  });
});

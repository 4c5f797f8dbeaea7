import { describe, expect, it } from 'vitest';
import {
  evaluateWhen,
  expandArgs,
  makeResolver,
  ParamError,
  parseParamArgument,
  parseReference,
  parsePipelineText,
  parseWhenText,
  referencesIn,
  resolveRunParams,
  substitute,
  substituteStep,
  taskParamValues,
  type StepSpec,
} from '../../syntax/index.js';
import { closest, editDistance } from '../../syntax/did-you-mean.js';

const resolve = makeResolver({
  params: { env: 'prod', list: ['a', 'b c'], obj: { k: 'v' } },
  matrix: { os: 'linux' },
  taskResults: { build: { digest: 'sha256:1', arr: '["x","y"]', obj: '{"url":"u"}' } },
  taskStatuses: { build: 'Succeeded' },
  aggregateStatus: 'Completed',
  resultPath: (r) => `/kiln/results/${r}`,
  workspacePaths: { src: '/workspace/src' },
  context: { 'pipelineRun.name': 'run-1', 'task.retry-count': '2' },
});

describe('references', () => {
  it('finds variables and functions, not shell substitutions', () => {
    const text = "a $(params.env) $(date +%s) $(echo $(params.list[*])) $(hashFiles('x.lock')) $(tasks.t.results.r)";
    expect(referencesIn(text).map((r) => r.expr)).toEqual([
      'params.env',
      'params.list[*]',
      "hashFiles('x.lock')",
      'tasks.t.results.r',
    ]);
    expect(text.slice(referencesIn(text)[0]!.start, referencesIn(text)[0]!.end)).toBe('$(params.env)');
  });

  it.each([
    ['params.x', { kind: 'param', name: 'x' }],
    ['params.x[*]', { kind: 'param', name: 'x', star: true }],
    ['params.x[3]', { kind: 'param', name: 'x', index: 3 }],
    ['params.o.key', { kind: 'param', name: 'o', key: 'key' }],
    ['params["dotted.name"]', { kind: 'param', name: 'dotted.name' }],
    ['tasks.t.results.r', { kind: 'taskResult', task: 't', result: 'r' }],
    ['tasks.t.status', { kind: 'taskStatus', task: 't', field: 'status' }],
    ['tasks.status', { kind: 'tasksStatus' }],
    ['results.r.path', { kind: 'resultPath', name: 'r' }],
    ['workspaces.w.path', { kind: 'workspace', name: 'w', field: 'path' }],
    ['context.task.retry-count', { kind: 'context', path: 'task.retry-count' }],
    ['matrix.os', { kind: 'matrix', name: 'os' }],
    ['params', { kind: 'malformed', expr: 'params' }],
    ['tasks.t.outputs.r', { kind: 'taskArtifact', task: 't', category: 'outputs', name: 'r' }],
    ['steps.s.inputs.src', { kind: 'stepArtifact', step: 's', category: 'inputs', name: 'src' }],
    ['step.artifacts.path', { kind: 'artifactsPath', of: 'step' }],
    ['artifacts.path', { kind: 'artifactsPath', of: 'task' }],
    ['tasks.t.other.r', { kind: 'malformed', expr: 'tasks.t.other.r' }],
  ])('parses %s', (expr, parsed) => {
    expect(parseReference(expr)).toEqual(parsed);
  });

  it('substitutes what the scope knows and leaves the rest', () => {
    expect(substitute('$(params.env)/$(matrix.os)/$(params.nope)/$(date)', resolve)).toBe(
      'prod/linux/$(params.nope)/$(date)',
    );
    expect(substitute('$(params.list[1]) $(params.obj.k) $(params.list)', resolve)).toBe('b c v a b c');
    expect(
      substitute('$(tasks.build.results.digest) $(tasks.build.results.arr[0]) $(tasks.build.results.obj.url)', resolve),
    ).toBe('sha256:1 x u');
    expect(
      substitute(
        '$(tasks.build.status) $(tasks.status) $(context.pipelineRun.name) #$(context.task.retry-count)',
        resolve,
      ),
    ).toBe('Succeeded Completed run-1 #2');
    expect(substitute('$(results.out.path) $(workspaces.src.path)', resolve)).toBe('/kiln/results/out /workspace/src');
  });

  it('expands a whole-argument array reference into several arguments', () => {
    expect(
      expandArgs(['-v', '$(params.list[*])', 'x=$(params.list[*])', '$(tasks.build.results.arr[*])'], resolve),
    ).toEqual(['-v', 'a', 'b c', 'x=a b c', 'x', 'y']);
  });

  it('substitutes a whole step', () => {
    const step: StepSpec = {
      name: 's',
      image: 'node:$(params.env)',
      command: ['echo'],
      args: ['$(params.list[*])'],
      env: { E: '$(matrix.os)' },
      onError: 'continue',
      workingDir: '$(workspaces.src.path)',
      cache: {
        key: "k-$(params.env)-$(hashFiles('a'))",
        restoreKeys: ['k-$(params.env)'],
        paths: ['$(workspaces.src.path)/node_modules'],
        policy: 'pull',
      },
    };
    expect(substituteStep(step, resolve)).toEqual({
      ...step,
      image: 'node:prod',
      command: ['echo'],
      args: ['a', 'b c'],
      env: { E: 'linux' },
      workingDir: '/workspace/src',
      script: undefined,
      cache: {
        key: "k-prod-$(hashFiles('a'))",
        restoreKeys: ['k-prod'],
        paths: ['/workspace/src/node_modules'],
        // The entry's version hashes the paths as written: the same in every checkout.
        writtenPaths: ['$(workspaces.src.path)/node_modules'],
        policy: 'pull',
      },
    });
  });

  it('gives a task its own params over the run params, resolved against the run', () => {
    const { pipeline } = parsePipelineText(
      'name: p\nparams: { who: { default: you } }\ntasks:\n  t:\n    steps: [{run: x}]\n',
    );
    const task = { ...pipeline.tasks[0]!, params: { greeting: 'hi $(params.who)', list: ['$(params.names[*])', 'z'] } };
    const run = { who: 'me', names: ['a', 'b'] };
    expect(taskParamValues(task, run, makeResolver({ params: run }))).toEqual({
      who: 'me',
      names: ['a', 'b'],
      greeting: 'hi me',
      list: ['a', 'b', 'z'],
    });
  });
});

describe('when', () => {
  it.each([
    ['$(params.env) in [prod, staging]', { input: '$(params.env)', operator: 'in', values: ['prod', 'staging'] }],
    ['$(params.env) notin ["a, b", c]', { input: '$(params.env)', operator: 'notin', values: ['a, b', 'c'] }],
    ['$(params.env) == prod', { input: '$(params.env)', operator: 'in', values: ['prod'] }],
    ["'$(params.env)' != 'dev'", { input: '$(params.env)', operator: 'notin', values: ['dev'] }],
    ['$(params.env) is prod', { error: 'cannot read when expression "$(params.env) is prod"' }],
    ['in [a]', { error: 'cannot read when expression "in [a]"' }],
  ])('parses %s', (text, parsed) => {
    expect(parseWhenText(text)).toEqual(parsed);
  });

  it('evaluates after substitution, all must hold, with [*] values', () => {
    const w = (text: string) => parseWhenText(text) as Exclude<ReturnType<typeof parseWhenText>, { error: string }>;
    expect(evaluateWhen([w('$(params.env) in [prod]'), w('$(matrix.os) != darwin')], resolve)).toEqual({ pass: true });
    expect(evaluateWhen([w('$(params.env) in [prod]'), w('$(matrix.os) == darwin')], resolve)).toEqual({
      pass: false,
      failed: { input: 'linux', operator: 'in', values: ['darwin'] },
    });
    expect(evaluateWhen([{ input: 'b c', operator: 'in', values: ['$(params.list[*])'] }], resolve).pass).toBe(true);
    expect(
      evaluateWhen([{ input: '$(tasks.build.results.digest)', operator: 'notin', values: ['sha256:1'] }], resolve).pass,
    ).toBe(false);
  });
});

describe('run params', () => {
  const { pipeline } = parsePipelineText(
    'name: p\nparams:\n  env: { default: dev }\n  token:\n  list: { type: array, default: [a] }\n  obj: { type: object, default: { k: v } }\ntasks:\n  t:\n    steps: [{run: x}]\n',
  );

  it('fills defaults and reads arrays and objects from text', () => {
    expect(resolveRunParams(pipeline, { token: 't' })).toEqual({
      env: 'dev',
      token: 't',
      list: ['a'],
      obj: { k: 'v' },
    });
    expect(resolveRunParams(pipeline, { token: 't', list: 'x, y', obj: '{"a":1}' })).toMatchObject({
      list: ['x', 'y'],
      obj: { a: '1' },
    });
    expect(resolveRunParams(pipeline, { token: 't', list: '["x,1","y"]' }).list).toEqual(['x,1', 'y']);
  });

  it('refuses unknown, missing and mistyped params', () => {
    expect(() => resolveRunParams(pipeline, {})).toThrow(/needs param "token" \(declared at pipeline.yaml:4:3\)/);
    expect(() => resolveRunParams(pipeline, { token: 't', evn: 'x' })).toThrow(ParamError);
    try {
      resolveRunParams(pipeline, { token: 't', evn: 'x' });
    } catch (err) {
      expect((err as ParamError).hint).toBe('did you mean "env"?');
    }
    expect(() => resolveRunParams(pipeline, { token: 't', obj: '[1]' })).toThrow(/is an object/);
    expect(() => resolveRunParams(pipeline, { token: ['a'] })).toThrow(/is of type string/);
    expect(parseParamArgument('a=b=c')).toEqual(['a', 'b=c']);
    expect(() => parseParamArgument('novalue')).toThrow(/not NAME=VALUE/);
  });
});

describe('did-you-mean', () => {
  it('finds near names, transpositions count once', () => {
    expect(editDistance('needz', 'needs')).toBe(1);
    expect(editDistance('evn', 'env')).toBe(1);
    expect(closest('stpes', ['steps', 'needs'])).toBe('steps');
    expect(closest('zzzzzz', ['steps', 'needs'])).toBeUndefined();
  });
});

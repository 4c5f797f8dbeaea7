import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineFiles, parsePipelineText } from '../../syntax/index.js';
import { brief, diagnosticsOf, FIXTURES } from './helpers.js';

describe('Kiln syntax: a valid pipeline', () => {
  const { pipeline, run } = loadPipelineFiles([join(FIXTURES, 'web-app.yaml')]);
  const task = (name: string) => [...pipeline.tasks, ...pipeline.finally].find((t) => t.name === name)!;

  it('reads the top level', () => {
    expect(run).toBeUndefined();
    expect(pipeline.name).toBe('web-app');
    expect(pipeline.params.map((p) => [p.name, p.type, p.default])).toEqual([
      ['revision', 'string', 'main'],
      ['env', 'string', 'staging'],
      ['targets', 'array', ['linux', 'darwin']],
    ]);
    expect(pipeline.workspaces).toEqual([{ name: 'source' }]);
    expect(pipeline.tasks.map((t) => t.name)).toEqual(['test-app', 'lint-repo', 'build-app', 'deploy-all']);
    expect(pipeline.finally.map((t) => t.name)).toEqual(['notify']);
    expect(pipeline.files).toEqual([join(FIXTURES, 'web-app.yaml'), join(FIXTURES, 'templates/deploy.yaml')]);
  });

  it('reads steps: names, scripts, commands, caches, durations', () => {
    const t = task('test-app');
    expect(t.timeoutMs).toBe(600_000);
    expect(t.retries).toBe(1);
    expect(t.image).toBe('node:20');
    expect(t.steps.map((s) => s.name)).toEqual(['install', 'step-2']);
    expect(t.steps[0]!.script).toBe('npm ci');
    expect(t.steps[0]!.cache).toEqual({
      key: "npm-$(hashFiles('package-lock.json'))",
      restoreKeys: ['npm-'],
      paths: ['~/.npm'],
      policy: 'pull-push',
    });
    const build = task('build-app').steps[0]!;
    expect(build.command).toEqual(['./build.sh']);
    expect(build.args[1]).toBe('$(matrix.os)');
    expect(build.workingDir).toBe('$(workspaces.source.path)');
    expect(task('build-app').matrix).toEqual({ os: ['linux', 'darwin'] });
    expect(build.pos).toEqual({ file: join(FIXTURES, 'web-app.yaml'), line: 26, col: 9 });
  });

  it('binds a local template with `with:` and keeps its defaults', () => {
    const t = task('deploy-all');
    expect(t.params).toEqual({ image: '$(tasks.build-app.results.digest)', env: '$(params.env)', replicas: '2' });
    expect(t.results).toEqual(['url']);
    expect(t.image).toBe('bitnami/kubectl');
    expect(t.steps[0]!.script).toContain('$(params.image)');
    expect(t.when).toEqual([
      {
        input: '$(params.env)',
        operator: 'in',
        values: ['prod', 'staging'],
        pos: expect.objectContaining({ line: 30, col: 12 }),
      },
    ]);
  });
});

const base = (tasks: string) => `name: p\nparams:\n  env: { default: dev }\nworkspaces: [src]\ntasks:\n${tasks}`;

// [what, YAML, expected "LINE:COL message" lines (each a prefix of one diagnostic), hint part]
const ERROR_CASES: [string, string, string[], string?][] = [
  [
    'unknown top-level key',
    'name: p\ntaks: {}\n',
    ['2:1 pipeline: unknown key "taks"', '1:1 pipeline "p" has no tasks'],
    'did you mean "tasks"?',
  ],
  [
    'unknown engine',
    'name: p\nengine: docker\ntasks:\n  a:\n    steps: [{run: x}]\n',
    ['2:9 unknown engine "docker"'],
    'use one of: auto, host, podman',
  ],
  [
    'unknown task key',
    base('  a:\n    stpes: [{run: x}]\n'),
    ['6:3 task "a" has no steps', '7:5 tasks.a: unknown key "stpes"'],
    'did you mean "steps"?',
  ],
  [
    'unknown step key',
    base('  a:\n    steps:\n      - run: x\n        workingdir: /\n'),
    ['9:9 tasks.a.steps[0]: unknown key "workingdir"'],
    'did you mean "workingDir"?',
  ],
  [
    'needs a missing task',
    base('  a:\n    needs: [bb]\n    steps: [{run: x}]\n  b:\n    steps: [{run: x}]\n'),
    ['7:13 needs: there is no task "bb"'],
    'did you mean "b"?',
  ],
  [
    'a cycle is named',
    base(
      '  a:\n    needs: [c]\n    steps: [{run: x}]\n  b:\n    needs: [a]\n    steps: [{run: x}]\n  c:\n    needs: [b]\n    steps: [{run: x}]\n',
    ),
    ['6:3 the tasks form a cycle: a -> b -> c -> a'],
  ],
  [
    'a cycle through a result reference',
    base(
      '  a:\n    results: [r]\n    needs: [b]\n    steps: [{run: x}]\n  b:\n    steps: [{run: "echo $(tasks.a.results.r)"}]\n',
    ),
    ['6:3 the tasks form a cycle: a -> b -> a'],
  ],
  [
    'undeclared param, exact column',
    base('  a:\n    steps: [{run: "echo $(params.evn)"}]\n'),
    ['7:25 $(params.evn): no param "evn" is declared'],
    'did you mean "env"?',
  ],
  [
    'undeclared result path',
    base('  a:\n    results: [out]\n    steps: [{run: "x > $(results.ouy.path)"}]\n'),
    ['8:24 $(results.ouy.path): the task declares no result "ouy"'],
    'did you mean "out"?',
  ],
  [
    'result of a missing task',
    base('  a:\n    steps: [{run: "$(tasks.nope.results.x)"}]\n'),
    ['7:20 $(tasks.nope.results.x): there is no task "nope"'],
  ],
  [
    'undeclared workspace',
    base('  a:\n    steps: [{run: "cd $(workspaces.source.path)"}]\n'),
    ['7:23 $(workspaces.source.path): no workspace "source" is declared'],
  ],
  [
    'task status outside finally',
    base('  a:\n    steps: [{run: "$(tasks.status)"}]\n'),
    ['7:20 $(tasks.status): task status is only known in finally tasks'],
  ],
  [
    '[*] on a string param',
    base('  a:\n    steps: [{command: [echo, "$(params.env[*])"]}]\n'),
    ['7:31 $(params.env[*]): param "env" is a string, not an array'],
  ],
  [
    'unknown context variable',
    base('  a:\n    steps: [{run: "$(context.pipelinerun.name)"}]\n'),
    ['7:20 $(context.pipelinerun.name): unknown context variable "pipelinerun.name"'],
    'did you mean "pipelineRun.name"?',
  ],
  [
    "a task's status misspelt as a context variable",
    base('  a:\n    steps: [{run: x}]\nfinally:\n  b:\n    steps: [{run: "$(context.a.status)"}]\n'),
    ['10:20 $(context.a.status): unknown context variable "a.status"'],
    "did you mean $(tasks.a.status)? (a pipeline task's status, read in finally)",
  ],
  [
    'matrix reference without matrix',
    base('  a:\n    steps: [{run: "$(matrix.os)"}]\n'),
    ['7:20 $(matrix.os): the task has no matrix param "os"'],
  ],
  [
    'duplicate step names',
    base('  a:\n    steps:\n      - {name: s, run: x}\n      - {name: s, run: y}\n'),
    ['9:9 tasks.a: two steps are named "s"'],
  ],
  [
    'default step name collides',
    base('  a:\n    steps:\n      - {name: step-2, run: x}\n      - {run: y}\n'),
    ['9:9 tasks.a: two steps are named "step-2"'],
  ],
  [
    'both run and command',
    base('  a:\n    steps: [{run: x, command: [y]}]\n'),
    ['7:31 tasks.a.steps[0] has both run and command'],
  ],
  [
    'neither run nor command',
    base('  a:\n    steps: [{name: s}]\n'),
    ['7:13 tasks.a.steps[0] has neither run nor command'],
  ],
  [
    'command as a string',
    base('  a:\n    steps: [{command: npm test}]\n'),
    ['7:23 tasks.a.steps[0].command must be a list'],
  ],
  [
    'bad durations',
    base('  a:\n    timeout: 5 min\n    steps: [{run: x, timeout: 1y}]\n'),
    ['7:14 tasks.a.timeout: "5 min" is not a duration', '8:31 tasks.a.steps[0].timeout: "1y" is not a duration'],
  ],
  [
    'matrix too large',
    base(
      '  a:\n    matrix: { x: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17], y: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16] }\n    steps: [{run: x}]\n',
    ),
    ['7:13 matrix has 272 combinations, more than 256'],
  ],
  [
    'bad onError',
    base('  a:\n    steps: [{run: x, onError: ignore}]\n'),
    ['7:31 tasks.a.steps[0].onError: "ignore" is not one of continue, stopAndFail'],
  ],
  ['bad task name', base('  Build_App:\n    steps: [{run: x}]\n'), ['6:3 task name "Build_App" is not a valid name']],
  [
    'bad when',
    base('  a:\n    when: ["$(params.env) is prod"]\n    steps: [{run: x}]\n'),
    ['7:12 tasks.a.when: cannot read when expression'],
  ],
  [
    'needs a finally task',
    'name: p\ntasks:\n  a:\n    needs: [f]\n    steps: [{run: x}]\nfinally:\n  f:\n    steps: [{run: x}]\n',
    ['4:13 needs: "f" is a finally task'],
  ],
  [
    'retries out of range',
    base('  a:\n    retries: -1\n    steps: [{run: x}]\n'),
    ['7:14 tasks.a.retries: "-1" is not a whole number from 0 to 100'],
  ],
  [
    'catalog template',
    base('  a:\n    uses: deploy/kubectl\n'),
    ['7:11 uses: "deploy/kubectl" is not in the template catalog'],
  ],
  ['missing template file', base('  a:\n    uses: ./nope.yaml\n'), ['7:11 uses: cannot read template "./nope.yaml"']],
  [
    'template param not given / unknown',
    base('  a:\n    uses: ./templates/deploy.yaml\n    with: { imag: x }\n'),
    ['7:11 "deploy" needs param "image"', '8:13 with: "deploy" has no param "imag"'],
    'did you mean "image"?',
  ],
  ['duplicate keys are YAML errors', 'name: p\nname: q\ntasks: {}\n', ['2:1 YAML: Map keys must be unique']],
  [
    'duplicate keys in a nested mapping, each one named; 1 and "1" differ',
    'name: p\ntasks:\n  a: { steps: [{ run: x, env: { 1: a, "1": b } }] }\n  b: { steps: [{ run: x }] }\n  a: {}\n  a: {}\n',
    ['5:3 YAML: Map keys must be unique', '6:3 YAML: Map keys must be unique'],
  ],
  ['YAML syntax error', 'name: p\ntasks:\n  a: [\n', ['4:1 YAML: Flow sequence in block collection']],
  [
    'a list where a mapping belongs',
    'name: p\ntasks: [a, b]\n',
    ['2:8 tasks must be a mapping', '1:1 pipeline "p" has no tasks'],
  ],
  [
    'pipeline results: a missing result (of a task, of a finally task), no value',
    `${base('  a:\n    results: [r]\n    steps: [{run: x}]\n')}finally:\n  f:\n    results: [r]\n    steps: [{run: x}]\nresults:\n  one: $(tasks.a.results.rr)\n  two: $(tasks.f.results.s) $(tasks.f.results.r)\n  three: { description: d }\n`,
    [
      '14:8 $(tasks.a.results.rr): task "a" declares no result "rr"',
      '15:8 $(tasks.f.results.s): task "f" declares no result "s"',
      '16:10 result "three" has no value',
    ],
    'did you mean "r"?',
  ],
];

describe('Kiln syntax: errors with exact positions', () => {
  it.each(ERROR_CASES)('%s', (_what, yaml, expected, hint) => {
    const diags = diagnosticsOf(yaml);
    const lines = diags.map(brief);
    for (const e of expected)
      expect(
        lines.some((l) => l.startsWith(e)),
        `${e}\nin:\n${lines.join('\n')}`,
      ).toBe(true);
    expect(diags).toHaveLength(expected.length);
    if (hint) expect(diags.map((d) => d.hint)).toContain(hint);
  });

  it('reports every error of a file at once, in line order, as FILE:LINE:COL', () => {
    const file = join(FIXTURES, 'broken.yaml');
    let message = '';
    try {
      loadPipelineFiles([file]);
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split('\n').filter((l) => !l.startsWith('  hint:'));
    expect(lines).toHaveLength(13);
    expect(lines[0]).toBe(`${file}:3:24: params.env: unknown key "typo"`);
    expect(lines.map((l) => Number(l.slice(file.length + 1).split(':')[0]))).toEqual([
      3, 8, 11, 14, 15, 18, 19, 21, 21, 21, 22, 30, 33,
    ]);
    expect(message).toContain('the tasks form a cycle: a -> b -> a');
  });

  it('reads `engine:`, and leaves it unset when absent', () => {
    const text = (engine: string) => `name: p\n${engine}tasks:\n  t:\n    steps: [{run: x}]\n`;
    expect(parsePipelineText(text('engine: podman\n')).pipeline.engine).toBe('podman');
    expect(parsePipelineText(text('')).pipeline.engine).toBeUndefined();
  });

  it('accepts an empty-valued param as a required string and a bare list of workspaces', () => {
    const { pipeline } = parsePipelineText(
      'name: p\nparams:\n  token:\nworkspaces: [a, b]\ntasks:\n  t:\n    steps: [{run: "echo $(params.token) $(workspaces.b.path)"}]\n',
    );
    expect(pipeline.params).toEqual([{ name: 'token', type: 'string', pos: expect.anything() }]);
    expect(pipeline.tasks[0]!.workspaces).toEqual([
      { name: 'a', workspace: 'a' },
      { name: 'b', workspace: 'b' },
    ]);
  });

  it('bounds alias expansion and file size', () => {
    const aliases = `name: p\ntasks:\n  a:\n    steps: [{run: &r a}]\n  b:\n    needs: [${Array(1001).fill('*r').join(', ')}]\n    steps: [{run: x}]\n`;
    expect(diagnosticsOf(aliases).map(brief)).toEqual(['6:12 more than 1000 alias uses in one document']);
    const huge = `name: p\n# ${'x'.repeat(4 * 1024 * 1024)}\n`;
    expect(diagnosticsOf(huge).map(brief)).toEqual(['1:1 file is larger than 4 MiB']);
  });

  it('reads pipeline results, short and long form', () => {
    const { pipeline } = parsePipelineText(
      'name: p\ntasks:\n  a:\n    results: [r]\n    steps: [{run: x}]\nresults:\n  short: "v=$(tasks.a.results.r)"\n  long: { value: [$(tasks.a.results.r), x], description: both }\n',
    );
    expect(pipeline.results).toEqual([
      { name: 'short', value: 'v=$(tasks.a.results.r)' },
      { name: 'long', value: ['$(tasks.a.results.r)', 'x'], description: 'both' },
    ]);
  });

  it('leaves shell command substitution alone', () => {
    const { pipeline } = parsePipelineText(
      'name: p\ntasks:\n  t:\n    steps: [{run: "echo $(date +%s) $(pwd) $(git rev-parse HEAD)"}]\n',
    );
    expect(pipeline.tasks[0]!.steps[0]!.script).toBe('echo $(date +%s) $(pwd) $(git rev-parse HEAD)');
  });
});

import { describe, expect, it } from 'vitest';
import { parsePipelineText, pipelineUsesCache } from '../../syntax/index.js';
import { taskCachePolicy } from '../../syntax/task-cache.js';
import { brief, diagnosticsOf } from './helpers.js';

const pipeline = (task: string) => `name: p\nworkspaces: [src]\ntasks:\n  a:\n${task}`;
const CACHE = `    cache: { key: "npm-$(hashFiles('package-lock.json'))", restore-keys: [npm-], paths: [node_modules] }\n`;
const spec = { key: "npm-$(hashFiles('package-lock.json'))", restoreKeys: ['npm-'], paths: ['node_modules'] };
const stepsOf = (yaml: string) => parsePipelineText(yaml).pipeline.tasks[0]!.steps;

describe('task-level cache: restored before the first step, saved after the last', () => {
  it('gives the first step a restore and the last a save; a step between keeps its own cache', () => {
    const steps = stepsOf(
      pipeline(
        `${CACHE}    steps:\n      - run: npm ci\n      - run: make\n        cache: { key: k, paths: [out] }\n      - run: npm test\n`,
      ),
    );
    expect(steps.map((s) => s.cache)).toEqual([
      { ...spec, policy: 'pull' },
      { key: 'k', restoreKeys: [], paths: ['out'], policy: 'pull-push' },
      { ...spec, policy: 'push' },
    ]);
  });

  it('gives a one-step task the cache as written', () => {
    expect(stepsOf(pipeline(`${CACHE}    steps: [{run: npm ci}]\n`))[0]!.cache).toEqual({
      ...spec,
      policy: 'pull-push',
    });
    const pull = stepsOf(pipeline(`    cache: { key: k, paths: [p], policy: pull }\n    steps: [{run: a}]\n`));
    expect(pull[0]!.cache!.policy).toBe('pull');
  });

  it('maps the task policy onto the first and last steps', () => {
    const table = (['pull-push', 'pull', 'push'] as const).map((p) => [
      p,
      taskCachePolicy(p, true, false),
      taskCachePolicy(p, false, true),
      taskCachePolicy(p, false, false),
    ]);
    expect(table).toEqual([
      ['pull-push', 'pull', 'push', undefined],
      ['pull', 'pull', undefined, undefined],
      ['push', undefined, 'push', undefined],
    ]);
    const steps = stepsOf(
      pipeline(`    cache: { key: k, paths: [p], policy: pull }\n    steps: [{run: a}, {run: b}]\n`),
    );
    expect(steps.map((s) => s.cache?.policy)).toEqual(['pull', undefined]);
  });

  it('applies to the steps of a template task', () => {
    const yaml = `name: p\nparams:\n  env: { default: dev }\nworkspaces: [source]\ntasks:\n  d:\n    uses: ./templates/deploy.yaml\n    with: { image: x }\n    cache: { key: "k-$(params.env)", paths: [p] }\n`;
    const steps = parsePipelineText(yaml, `${import.meta.dirname}/fixtures/inline.yaml`).pipeline.tasks[0]!.steps;
    expect(steps[0]!.cache).toEqual({ key: 'k-$(params.env)', restoreKeys: [], paths: ['p'], policy: 'pull-push' });
  });
});

// [what, task YAML, expected "LINE:COL message" prefixes, a hint]
const ERRORS: [string, string, string[], string?][] = [
  [
    'unknown key, did you mean',
    `    cache: { key: k, paths: [p], restore-key: [x] }\n    steps: [{run: a}]\n`,
    ['5:34 tasks.a.cache: unknown key "restore-key"'],
    'did you mean "restore-keys"?',
  ],
  [
    'no key, no paths',
    `    cache: { policy: pull }\n    steps: [{run: a}]\n`,
    ['5:12 tasks.a.cache needs a key', '5:12 tasks.a.cache needs paths'],
  ],
  [
    'bad policy',
    `    cache: { key: k, paths: [p], policy: always }\n    steps: [{run: a}]\n`,
    ['5:42 tasks.a.cache.policy: "always" is not one of pull-push, pull, push'],
  ],
  ['a list', `    cache: [k]\n    steps: [{run: a}]\n`, ['5:12 tasks.a.cache must be a mapping']],
  [
    'undeclared param in the key',
    `    cache: { key: "k-$(params.nope)", paths: [p] }\n    steps: [{run: a}]\n`,
    ['5:22 $(params.nope): no param "nope" is declared'],
  ],
  [
    'the last step has its own cache',
    `    cache: { key: k, paths: [p] }\n    steps:\n      - run: a\n      - name: b\n        run: b\n        cache: { key: j, paths: [q] }\n`,
    ['5:12 tasks.a.cache: step "b" has its own cache, and it is the step that saves the task\'s cache'],
    "keep one of them: the task's cache (restored before the first step, saved after the last) or the step's",
  ],
];

describe('task-level cache: errors with exact positions', () => {
  it.each(ERRORS)('%s', (_what, task, expected, hint) => {
    const diags = diagnosticsOf(pipeline(task));
    const lines = diags.map(brief);
    for (const e of expected)
      expect(
        lines.some((l) => l.startsWith(e)),
        `${e}\nin:\n${lines.join('\n')}`,
      ).toBe(true);
    expect(diags).toHaveLength(expected.length);
    if (hint) expect(diags.map((d) => d.hint)).toContain(hint);
  });
});

describe('pipelineUsesCache: whether kiln run has its agent load the cache ahead', () => {
  const parse = (yaml: string) => parsePipelineText(yaml).pipeline;
  it('finds a cache on a step, on a task, in finally or in a called pipeline; none otherwise', () => {
    const none = parse(`name: p\ntasks:\n  a:\n    steps: [{run: 'true'}]\n`);
    expect(pipelineUsesCache(none)).toBe(false);
    expect(pipelineUsesCache(parse(pipeline(`${CACHE}    steps: [{run: npm ci}]\n`)))).toBe(true);
    const onStep = `name: p\ntasks:\n  a:\n    steps:\n      - run: 'true'\n      - run: make\n        cache: { key: k, paths: [out] }\n`;
    expect(pipelineUsesCache(parse(onStep))).toBe(true);
    const inFinally = `name: p\ntasks:\n  a:\n    steps: [{run: 'true'}]\nfinally:\n  b:\n    cache: { key: k, paths: [out] }\n    steps: [{run: 'true'}]\n`;
    expect(pipelineUsesCache(parse(inFinally))).toBe(true);
    const called = { ...none, pipelines: { child: parse(onStep) } };
    expect(pipelineUsesCache(called)).toBe(true);
  });
});

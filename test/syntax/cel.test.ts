// CEL conditions: a table of cases through Kiln's evaluateCel (the chosen library, @bufbuild/cel,
// behind it) — numbers, strings, lists, maps, results, task statuses, errors — references bound
// as typed variables (never spliced: an injection attempt stays data), syntax errors at
// validation with their position, both Kiln's and Tekton's `cel:` form, and a fuzz of the rewriter.
import { describe, expect, it } from 'vitest';
import {
  celValue,
  evaluateCel,
  parsePipelineText,
  prepareCel,
  SpecError,
  type ParamValue,
} from '../../syntax/index.js';
import { makeResolver } from '../../syntax/scope.js';
import { seededRandom } from '../../testkit/random.js';

const scope = {
  params: {
    n: '5',
    ratio: '0.93',
    env: 'prod',
    flag: 'true',
    version: '1.10',
    big: '9223372036854775808',
    list: ['linux', 'darwin'],
    obj: { region: 'eu', tier: '2' },
    evil: "x' || true || '",
    evil2: 'x") || true || ("',
  } as Record<string, ParamValue>,
  taskResults: { test: { coverage: '0.91', verdict: 'pass', count: '12' } },
  taskStatuses: { build: 'Failed', test: 'Succeeded' },
  aggregateStatus: 'Failed',
};
const resolve = makeResolver(scope);
const cel = (expression: string) => evaluateCel({ expression }, resolve);

// [expression, expected: true/false, or 'error: <part of message>']
const CASES: [string, boolean | string][] = [
  // numbers: a bare reference to an integer is an int, to a decimal a double; they compare across types
  ['$(params.n) > 3', true],
  ['$(params.n) == 5', true],
  ['$(params.n) == 5.0', true],
  ['$(params.n) + 1 == 6', true],
  ['$(params.ratio) > 0.9', true],
  ['$(params.ratio) < $(params.n)', true],
  ['$(params.big) > 0', true], // past int64: a double
  ['int("42") + $(params.n) == 47', true],
  // strings: inside a literal always a string (Tekton's form); bare, a string when not a number or bool
  ["'$(params.env)' == 'prod'", true],
  ['$(params.env) == "prod"', true],
  ['$(params.env).startsWith("pr")', true],
  ['"release-$(params.env)" == "release-prod"', true],
  ["'$(params.version)' == '1.10'", true],
  ['$(params.version) == 1.1', true], // bare: a number, so 1.10 reads as 1.1 — quote it to compare text
  ['$(params.flag)', true],
  ["'$(params.flag)' == 'true'", true],
  ['$(params.env).matches("^p.*d$")', true],
  ['size("$(params.env)") == 4', true],
  // lists and maps
  ['"linux" in $(params.list)', true],
  ['"windows" in $(params.list)', false],
  ['size($(params.list)) == 2', true],
  ['$(params.list).exists(x, x.startsWith("dar"))', true],
  ['$(params.list).all(x, x != "")', true],
  ['$(params.list[*]) == ["linux", "darwin"]', true],
  ['$(params.obj).region == "eu"', true],
  ['$(params.obj)["tier"] == "2"', true],
  ['"region" in $(params.obj)', true],
  ['has($(params.obj).zone)', false],
  // results and task statuses
  ['$(tasks.test.results.coverage) >= 0.9', true],
  ["'$(tasks.test.results.verdict)' == 'pass' && $(tasks.test.results.count) > 10", true],
  ["'$(tasks.build.status)' == 'Failed'", true],
  ["'$(tasks.test.status)' == 'Succeeded' && '$(tasks.status)' != 'Succeeded'", true],
  ['$(tasks.build.status) in ["Failed", "TimedOut"]', true],
  // logic
  ['$(params.n) > 3 ? $(params.env) == "prod" : false', true],
  ['!($(params.n) > 3) || "x" == "y"', false],
  ['1 == 1.0 && 1.0 in [1, 2]', true],
  // injection: a value holding quotes and operators is one string
  ["'$(params.evil)' == 'main'", false],
  ['"$(params.evil2)" == "main"', false],
  ['$(params.evil) == "main"', false],
  ["'$(params.evil)' == \"x' || true || '\"", true],
  // errors: clear, never a silent false
  ['$(params.env) > 3', 'error: no matching overload'],
  ['$(params.n)', 'error: not a boolean'],
  ['1 / 0 == 1', 'error: divide by zero'],
  ['$(params.list)[5] == "x"', 'error: index'],
  ['$(params.obj).zone == "x"', 'error: field not found'],
  ['nothing == 1', 'error: unresolved'],
  ['$(tasks.other.results.r) == "x"', 'error: $(tasks.other.results.r) has no value'],
];

describe('CEL conditions', () => {
  it.each(CASES)('%s', (expression, want) => {
    const got = cel(expression);
    if (typeof want === 'boolean') expect(got).toEqual({ value: want });
    else {
      expect(got).toHaveProperty('error');
      expect((got as { error: string }).error.toLowerCase()).toContain(want.slice('error: '.length).toLowerCase());
    }
  });

  it('binds references as variables: the expression text never holds a value', () => {
    const prepared = prepareCel("'$(params.evil)' == 'main' && $(params.n) > 3");
    expect(prepared).toEqual({
      source: "(_kiln_ref0) == 'main' && _kiln_ref1 > 3",
      vars: [
        { name: '_kiln_ref0', expr: 'params.evil', inString: true },
        { name: '_kiln_ref1', expr: 'params.n', inString: false },
      ],
    });
  });

  it('types values: ints, doubles, bools, lists, maps; a literal keeps its text', () => {
    expect(celValue('42', false)).toBe(42n);
    expect(celValue('-7', false)).toBe(-7n);
    expect(celValue('0.5', false)).toBe(0.5);
    expect(celValue('1e3', false)).toBe(1000);
    expect(celValue('false', false)).toBe(false);
    expect(celValue('007', false)).toBe('007');
    expect(celValue('42', true)).toBe('42');
    expect(celValue(['a'], true)).toBe('["a"]');
    expect(celValue({ k: 'v' }, false)).toEqual(new Map([['k', 'v']]));
  });

  it('reads Kiln when: [{cel}] and Tekton cel: beside input/operator/values', () => {
    const kiln = parsePipelineText(`
name: p
params: { n: { default: "4" } }
tasks:
  a:
    results: [r]
    steps: [{ run: "true" }]
  b:
    when: ["$(params.n) in [4]", { cel: "$(params.n) > 3 && '$(tasks.a.results.r)' != ''" }]
    steps: [{ run: "true" }]
`).pipeline;
    const b = kiln.tasks[1]!;
    expect(b.when).toHaveLength(1);
    expect(b.whenCel).toEqual([
      { expression: "$(params.n) > 3 && '$(tasks.a.results.r)' != ''", pos: expect.objectContaining({ line: 9 }) },
    ]);
    const tekton = parsePipelineText(`
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: { name: p }
spec:
  params: [{ name: branch, default: main }]
  tasks:
    - name: deploy
      when:
        - cel: "'$(params.branch)' == 'main'"
        - { input: "$(params.branch)", operator: in, values: [main] }
      taskSpec:
        steps: [{ name: s, image: busybox, script: "true" }]
`).pipeline;
    expect(tekton.tasks[0]!.whenCel).toEqual([{ expression: "'$(params.branch)' == 'main'", pos: expect.anything() }]);
    expect(tekton.tasks[0]!.when).toHaveLength(1);
  });

  it.each([
    ['{ cel: "$(params.n) >" }', 'not a CEL expression'],
    ['{ cel: "\'unclosed" }', 'a string literal is not closed'],
    ['{ cel: "$(params.m) > 3" }', 'no param "m" is declared'],
    ['{ cel: "$(params.n) > 3", input: x, operator: in, values: [x] }', 'has cel and input/operator/values'],
    ["{ cel: \"b'$(params.n)' == b'1'\" }", 'inside a bytes literal'],
  ])('refuses %s at validation, with its position', (item, message) => {
    const text = `name: p\nparams: { n: { default: "4" } }\ntasks:\n  a:\n    when: [${item}]\n    steps: [{ run: "true" }]\n`;
    let err: unknown;
    try {
      parsePipelineText(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const d = (err as SpecError).diagnostics;
    expect(d.map((x) => x.message).join('\n')).toContain(message);
    expect(d[0]!.line).toBe(5);
  });

  it('fuzz: the reference rewriter answers a source or an error, and never throws', () => {
    const random = seededRandom(14);
    const pieces = [
      '$(params.n)',
      "'",
      '"',
      "'''",
      'r',
      'b',
      '\\',
      ' ',
      '==',
      '(',
      ')',
      '$(',
      'x',
      '1',
      '$(tasks.a.results.r)',
    ];
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let j = Math.floor(random() * 12); j > 0; j--) text += pieces[Math.floor(random() * pieces.length)];
      const prepared = prepareCel(text);
      if ('error' in prepared) continue;
      const got = evaluateCel({ expression: text }, resolve);
      expect(typeof ('error' in got ? got.error : got.value)).toMatch(/string|boolean/);
      // A reference left unrewritten (an unclosed $( before it) is not CEL: never evaluated.
      if (prepared.source.includes('$(')) expect(got).toHaveProperty('error');
    }
  });
});

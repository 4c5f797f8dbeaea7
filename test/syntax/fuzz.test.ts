// Random input never crashes the parser: it returns a pipeline or throws SpecError, nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { FIXTURES } from './helpers.js';
import { seededRandom as rng } from '../../testkit/random.js';

const KEYS = [
  'loop',
  'until',
  'cel',
  'pipeline',
  'pipelineRef',
  'on',
  'count',
  'backoff',
  'name',
  'params',
  'workspaces',
  'tasks',
  'finally',
  'timeout',
  'image',
  'steps',
  'needs',
  'when',
  'results',
  'retries',
  'matrix',
  'env',
  'uses',
  'with',
  'run',
  'command',
  'args',
  'cache',
  'key',
  'paths',
  'onError',
  'default',
  'type',
  'apiVersion',
  'kind',
  'metadata',
  'spec',
  'taskRef',
  'taskSpec',
  'pipelineRef',
  'pipelineSpec',
  'runAfter',
  'script',
  'stepTemplate',
  'value',
  'input',
  'operator',
  'values',
  'ref',
  'a',
  'b',
];
const SCALARS = [
  'a',
  'b',
  '',
  '0',
  '-1',
  '1.5',
  'true',
  'null',
  '~',
  '10m',
  'tekton.dev/v1',
  'Task',
  'Pipeline',
  'PipelineRun',
  'TaskRun',
  'StepAction',
  './templates/deploy.yaml',
  './nope.yaml',
  'x/y',
  '$(params.a)',
  '$(params.a[*])',
  '$(tasks.a.results.b)',
  '$(tasks.status)',
  '$(',
  '$()',
  '$(params)',
  '$(context.x)',
  '$(matrix.a)',
  '$(results.b.path)',
  'a in [b]',
  'a == b',
  '[1, 2]',
  '\u0000',
  '💥',
];

function randomValue(r: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const roll = r();
  if (depth > 4 || roll < 0.4) return pick(SCALARS);
  if (roll < 0.5) return Math.floor(r() * 600) - 100;
  if (roll < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 5) }, () => [pick(KEYS), randomValue(r, depth + 1)]));
}

function mutate(text: string, r: () => number): string {
  let out = text;
  for (let n = 1 + Math.floor(r() * 4); n > 0; n--) {
    const at = Math.floor(r() * out.length);
    const op = r();
    if (op < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 10));
    else if (op < 0.6) out = out.slice(0, at) + ' :-[]{}$()#&*!|>\'"\n\t'[Math.floor(r() * 21)] + out.slice(at);
    else if (op < 0.8)
      out = out.slice(0, at) + out.slice(Math.floor(r() * out.length), Math.floor(r() * out.length)) + out.slice(at);
    else {
      const lines = out.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(Math.floor(r() * lines.length), 0, lines[i]!);
      out = lines.join('\n');
    }
  }
  return out;
}

function outcome(text: string): 'ok' | 'spec-error' {
  try {
    parsePipelineText(text, join(FIXTURES, 'fuzz.yaml'));
    return 'ok';
  } catch (err) {
    if (err instanceof SpecError) {
      for (const d of err.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
      return 'spec-error';
    }
    throw new Error(`input crashed the parser: ${JSON.stringify(text)}`, { cause: err });
  }
}

describe('fuzz: the parser only ever throws SpecError', () => {
  const fixtures = ['web-app.yaml', 'tekton-build.yaml', 'broken.yaml', 'tekton-split/tasks.yaml'].map((f) =>
    readFileSync(join(FIXTURES, f), 'utf8'),
  );

  it('survives mutated fixtures (fixed seed)', () => {
    const r = rng(20261126);
    const seen = new Set<string>();
    for (let i = 0; i < 800; i++) seen.add(outcome(mutate(fixtures[i % fixtures.length]!, r)));
    expect(seen).toEqual(new Set(['ok', 'spec-error']));
  });

  it('survives random YAML structures (fixed seed)', () => {
    const r = rng(42);
    let errors = 0;
    for (let i = 0; i < 1500; i++) {
      const doc = randomValue(r, 0);
      const text = i % 3 === 0 ? `${stringify(doc)}---\n${stringify(randomValue(r, 0))}` : stringify(doc);
      if (outcome(text) === 'spec-error') errors++;
    }
    expect(errors).toBeGreaterThan(1000);
  });

  it('survives random Tekton-shaped documents (fixed seed)', () => {
    const r = rng(1126);
    const kinds = ['Task', 'Pipeline', 'PipelineRun', 'TaskRun', 'StepAction'];
    const tekton = () => ({
      apiVersion: 'tekton.dev/v1',
      kind: kinds[Math.floor(r() * kinds.length)],
      metadata: { name: r() < 0.5 ? 'a' : 'b' },
      spec: randomValue(r, 1),
    });
    for (let i = 0; i < 1000; i++) outcome([tekton(), tekton(), tekton()].map((d) => stringify(d)).join('---\n'));
  });

  it('survives random bytes', () => {
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      outcome(Array.from({ length: Math.floor(r() * 200) }, () => String.fromCharCode(Math.floor(r() * 128))).join(''));
    }
  });
});

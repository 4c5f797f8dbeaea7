import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  CycleError,
  findCycle,
  parsePipelineText,
  type PipelineSpec,
  readyTasks,
  renderGraph,
  type TaskSpec,
  topologicalLevels,
} from '../../syntax/index.js';

function task(name: string, needs: string[] = [], script = 'true'): TaskSpec {
  return {
    name,
    steps: [{ name: 's', script, args: [], env: {}, onError: 'stopAndFail' }],
    needs,
    when: [],
    results: ['r'],
    params: {},
    retries: 0,
    env: {},
    workspaces: [],
  };
}

function pipeline(tasks: TaskSpec[], fin: TaskSpec[] = []): PipelineSpec {
  return { name: 'p', params: [], workspaces: [], tasks, finally: fin, files: [] };
}

describe('graph', () => {
  const diamond = pipeline(
    [
      task('a'),
      task('b', ['a']),
      task('c', [], 'echo $(tasks.a.results.r)'),
      task('d', ['b'], 'use $(tasks.c.results.r) $(tasks.c.results.r)'),
    ],
    [task('f', [], '$(tasks.d.status)')],
  );

  it('takes edges from needs and result references, once each', () => {
    const g = buildGraph(diamond);
    expect(g.edges).toEqual([
      { from: 'a', to: 'b', via: 'needs' },
      { from: 'a', to: 'c', via: 'result' },
      { from: 'b', to: 'd', via: 'needs' },
      { from: 'c', to: 'd', via: 'result' },
    ]);
    expect(g.deps.get('d')).toEqual(['b', 'c']);
    expect(g.resultDeps.get('d')).toEqual(['c']);
    expect(g.dependents.get('a')).toEqual(['b', 'c']);
    expect(g.finally).toEqual(['f']);
  });

  it('finds results referenced in params, when and matrix as well', () => {
    const t = {
      ...task('x'),
      params: { p: '$(tasks.a.results.r)' },
      when: [{ input: '$(tasks.b.results.r)', operator: 'in' as const, values: ['1'] }],
      matrix: { m: ['$(tasks.c.results.r)'] },
    };
    expect(buildGraph(pipeline([task('a'), task('b'), task('c'), t])).deps.get('x')).toEqual(['a', 'b', 'c']);
  });

  it('computes levels and the ready set as tasks finish', () => {
    const g = buildGraph(diamond);
    expect(topologicalLevels(g)).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(readyTasks(g, new Set())).toEqual(['a']);
    expect(readyTasks(g, new Set(['a']))).toEqual(['b', 'c']);
    expect(readyTasks(g, new Set(['a']), new Set(['b']))).toEqual(['c']);
    expect(readyTasks(g, new Set(['a', 'b']))).toEqual(['c']);
    expect(readyTasks(g, new Set(['a', 'b', 'c']))).toEqual(['d']);
    expect(readyTasks(g, new Set(['a', 'b', 'c', 'd']))).toEqual([]);
  });

  it('names a cycle and refuses to level it', () => {
    const g = buildGraph(pipeline([task('a', ['c']), task('b', ['a']), task('c', ['b']), task('z')]));
    expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a']);
    expect(() => topologicalLevels(g)).toThrow(CycleError);
    expect(() => topologicalLevels(g)).toThrow('the tasks form a cycle: a -> b -> c -> a');
    expect(findCycle(buildGraph(diamond))).toBeUndefined();
  });

  it('ignores edges to unknown tasks and to itself (validation reports them)', () => {
    const g = buildGraph(pipeline([task('a', ['nope', 'a'], '$(tasks.a.results.r)')]));
    expect(g.edges).toEqual([]);
    expect(readyTasks(g, new Set())).toEqual(['a']);
  });
});

describe('render', () => {
  const { pipeline: p } = parsePipelineText(
    'name: demo\ntasks:\n  fetch:\n    results: [sha]\n    steps: [{run: x}]\n  lint:\n    steps: [{run: x}]\n  build:\n    needs: [lint]\n    steps: [{run: "echo $(tasks.fetch.results.sha)"}]\nfinally:\n  notify:\n    steps: [{run: x}]\n',
  );

  it('draws text levels and arrows', () => {
    expect(renderGraph(p, 'text')).toBe(
      'pipeline demo: 3 tasks, 1 finally\nlevel 0: fetch, lint\nlevel 1: build\nlint -> build\nfetch -> build (result)\nfinally: notify\n',
    );
  });

  it('draws DOT and Mermaid', () => {
    const dot = renderGraph(p, 'dot');
    expect(dot).toContain('"lint" -> "build";');
    expect(dot).toContain('"fetch" -> "build" [style=dashed];');
    expect(dot).toContain('subgraph cluster_finally');
    const mermaid = renderGraph(p, 'mermaid');
    expect(mermaid.split('\n')).toEqual(
      expect.arrayContaining(['flowchart LR', '  t0["fetch"]', '  t1 --> t2', '  t0 -.-> t2', '    t3["notify"]']),
    );
  });
});

// Validate + schedule random DAGs of 2000 and 5000 tasks (KILN_BENCH_TASKS=N,M to change): parse
// the YAML text, validate, build the graph, then simulate scheduling by taking the ready set and
// completing it until every task is done. Baselines in the same run: JSON.parse of the same
// document, the yaml library's parse alone (what any YAML reader pays), and a plain Kahn
// topological sort of the same edge list. The goal: linear, 5000 tasks within 1.5 s.
import { performance } from 'node:perf_hooks';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import { buildGraph, parsePipelineText, readyTasks, topologicalLevels } from '../syntax/index.js';
import { seededRandom as rng } from '../testkit/random.js';

const SIZES = (process.env.KILN_BENCH_TASKS ?? '2000,5000').split(',').map(Number);
const GOAL = { tasks: 5000, ms: 1500 };
const ROUNDS = Number(process.env.KILN_BENCH_ROUNDS ?? 5);

/** Each task needs up to 3 earlier tasks, one in three of them through a result reference. */
function randomPipeline(n: number) {
  const r = rng(2000);
  const edges: [number, number][] = [];
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const needs: string[] = [];
    const refs: string[] = [];
    for (let k = Math.floor(r() * 4); k > 0 && i > 0; k--) {
      const j = Math.floor(r() * i);
      if (edges.some(([a, b]) => a === j && b === i)) continue;
      edges.push([j, i]);
      if (r() < 1 / 3) refs.push(`$(tasks.t${j}.results.out)`);
      else needs.push(`t${j}`);
    }
    tasks[`t${i}`] = {
      ...(needs.length ? { needs } : {}),
      results: ['out'],
      steps: [{ name: 'work', run: `echo ${refs.join(' ')} $(params.mode) > $(results.out.path)` }],
    };
  }
  const doc = { name: 'bench', params: { mode: { default: 'fast' } }, tasks };
  return { yaml: stringify(doc), json: JSON.stringify(doc), edges };
}

function kahn(n: number, edges: [number, number][]): number[] {
  const indegree = new Array<number>(n).fill(0);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    out[a]!.push(b);
    indegree[b]!++;
  }
  const queue = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  for (let head = 0; head < queue.length; head++)
    for (const next of out[queue[head]!]!) if (--indegree[next]! === 0) queue.push(next);
  return queue;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const value = fn();
  return [value, performance.now() - t0];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function measure(TASKS: number): number {
  const { yaml, json, edges } = randomPipeline(TASKS);
  const figures: Record<string, number[]> = {};
  const record = (name: string, ms: number) => (figures[name] ??= []).push(ms);

  // Round 0 warms the JIT and is not counted.
  for (let round = -1; round < ROUNDS; round++) {
    if (round === 0) for (const k of Object.keys(figures)) delete figures[k];
    const [loaded, parseMs] = time(() => parsePipelineText(yaml, 'bench.yaml'));
    record('parse + validate (YAML → model, all checks)', parseMs);
    const [graph, graphMs] = time(() => buildGraph(loaded.pipeline));
    record('build graph', graphMs);
    const [levels, levelMs] = time(() => topologicalLevels(graph));
    record('topological levels', levelMs);
    const [waves, scheduleMs] = time(() => {
      const done = new Set<string>();
      let count = 0;
      for (let ready = readyTasks(graph, done); ready.length > 0; ready = readyTasks(graph, done)) {
        for (const t of ready) done.add(t);
        count++;
      }
      if (done.size !== TASKS) throw new Error(`scheduled ${done.size} of ${TASKS}`);
      return count;
    });
    record('schedule (ready set until done)', scheduleMs);
    if (waves !== levels.length) throw new Error(`schedule took ${waves} waves, levels say ${levels.length}`);
    record('baseline: JSON.parse of the same document', time(() => JSON.parse(json))[1]);
    record(
      'baseline: yaml parse alone (positions, as Kiln parses)',
      time(() => parseAllDocuments(yaml, { lineCounter: new LineCounter(), uniqueKeys: false }))[1],
    );
    record('baseline: Kahn sort of the same edge list', time(() => kahn(TASKS, edges))[1]);
  }

  console.log(
    `DAG: ${TASKS} tasks, ${edges.length} edges, YAML ${(yaml.length / 1024).toFixed(0)} KiB; median of ${ROUNDS} rounds`,
  );
  for (const [name, ms] of Object.entries(figures))
    console.log(`  ${name.padEnd(56)} ${median(ms).toFixed(2).padStart(9)} ms`);
  const total = [
    'parse + validate (YAML → model, all checks)',
    'build graph',
    'schedule (ready set until done)',
  ].reduce((s, k) => s + median(figures[k]!), 0);
  console.log(`  ${'validate + schedule, total'.padEnd(56)} ${total.toFixed(2).padStart(9)} ms`);
  return total;
}

const totals = SIZES.map((n) => [n, measure(n)] as const);
const [small, large] = [totals[0]!, totals.at(-1)!];
if (totals.length > 1)
  console.log(
    `linearity: ${(large[1] / large[0]).toFixed(3)} ms a task at ${large[0]} against ${(small[1] / small[0]).toFixed(3)} at ${small[0]} ` +
      `(${(large[1] / large[0] / (small[1] / small[0])).toFixed(2)}×; 1.0 is linear)`,
  );
const goal = totals.find(([n]) => n === GOAL.tasks);
if (goal)
  console.log(
    `goal: ${GOAL.tasks} tasks ≤ ${GOAL.ms} ms: ${goal[1].toFixed(0)} ms, ${goal[1] <= GOAL.ms ? 'met' : 'NOT met'}`,
  );

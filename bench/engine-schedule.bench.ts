// The engine alone: a random 2000-task DAG run to the end with every task succeeding at once
// (no runtime, no clock), against the DAG's own topological levels of the same graph as baseline.
//   npx tsx bench/engine-schedule.bench.ts     (BENCH_DAG_TASKS to resize)
import { buildGraph, topologicalLevels } from '../syntax/index.js';
import { Engine, type EngineAction } from '../engine/index.js';
import { pipeline, task } from '../testkit/pipelines.js';

const N = Number(process.env.BENCH_DAG_TASKS ?? 2000);
let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const spec = pipeline(
  Array.from({ length: N }, (_, i) =>
    task(`t${i}`, {
      needs:
        i === 0
          ? []
          : [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => `t${Math.floor(random() * i)}`))],
    }),
  ),
);

function runEngine(): number {
  const start = performance.now();
  const engine = new Engine({ runName: 'bench', pipeline: spec, params: {}, workspaces: {}, startedAt: 0 });
  let actions: EngineAction[] = engine.handle({ type: 'tick' }, 0);
  let now = 0;
  while (!actions.some((a) => a.type === 'finish')) {
    const next: EngineAction[] = [];
    for (const a of actions) {
      if (a.type === 'start')
        next.push(
          ...engine.handle(
            { type: 'observed', update: { name: a.plan.name, status: 'Succeeded', results: {}, steps: [] } },
            ++now,
          ),
        );
    }
    if (next.length === 0) throw new Error('the engine stopped before finishing');
    actions = next;
  }
  return performance.now() - start;
}

function runLevels(): number {
  const start = performance.now();
  topologicalLevels(buildGraph(spec));
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
runEngine(); // warm up
const engine = median(Array.from({ length: 5 }, runEngine));
const levels = median(Array.from({ length: 5 }, runLevels));
console.log(`engine: ${N}-task random DAG, start → every task succeeded → finish, median of 5`);
console.log(`  baseline: buildGraph + topologicalLevels   ${levels.toFixed(1)} ms`);
console.log(
  `  engine (${N} start actions, ${N} events)   ${engine.toFixed(1)} ms  ratio ${(engine / levels).toFixed(1)}×  (${((engine / N) * 1000).toFixed(0)} µs a task)`,
);

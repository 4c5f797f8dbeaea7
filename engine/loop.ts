// Loops: once an iteration of a `loop:` task succeeds, its `until` is evaluated over that
// iteration's results (`results.NAME`, typed as a bare reference is) and `iteration` (0-based).
import { celValue, evaluateCel, makeResolver, type CelOutcome } from '../syntax/index.js';
import { taskVariables } from './plan.js';
import type { EngineState, Unit } from './types.js';

export function loopUntil(state: EngineState, unit: Unit, results: Record<string, string>): CelOutcome {
  const loop = unit.task.loop!;
  const typed = new Map(Object.entries(results).map(([k, v]) => [k, celValue(v, false)]));
  return evaluateCel(loop.until, makeResolver(taskVariables(state, unit)), {
    results: typed,
    iteration: BigInt(unit.iteration),
  });
}

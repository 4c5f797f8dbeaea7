// The engine's starting state: one unit per task (per matrix combination), and each task's
// parents (its `needs` plus the producers of the results it reads).
import { referencesIn, resultRefsOf, type TaskSpec } from '../syntax/index.js';
import { matrixCombinations } from './matrix.js';
import { caughtFailures } from './branches.js';
import type { EngineInput, EngineState, Unit } from './types.js';

/** The units of a task once its matrix values are known (undefined: no matrix). */
export function unitsFor(task: TaskSpec, isFinally: boolean, combos: Record<string, string>[] | undefined): Unit[] {
  const base = {
    task,
    finally: isFinally,
    status: 'Pending' as const,
    attempt: 0,
    iteration: 0,
    results: {},
    steps: [],
    history: [],
  };
  if (combos === undefined) return [{ ...base, key: task.name }];
  if (combos.length === 0) return [{ ...base, key: task.name, matrixEmpty: true }];
  return combos.map((matrix, i) => ({ ...base, key: `${task.name}[${i}]`, matrixIndex: i, matrix }));
}

/** A matrix whose values hold references (`$(params.list[*])`, results) is expanded when the task is ready. */
function initialUnits(task: TaskSpec, isFinally: boolean): Unit[] {
  const values = [
    ...Object.values(task.matrix ?? {}).flat(),
    ...(task.matrixInclude ?? []).flatMap((i) => Object.values(i.params)),
  ];
  if (values.some((v) => referencesIn(v).length > 0)) {
    return [
      {
        key: task.name,
        task,
        finally: isFinally,
        status: 'Pending',
        attempt: 0,
        iteration: 0,
        results: {},
        steps: [],
        history: [],
        matrixPending: true,
      },
    ];
  }
  return unitsFor(task, isFinally, matrixCombinations(task.matrix, task.matrixInclude, task.matrixOrder));
}

export function initialState(input: EngineInput): EngineState {
  const units: Unit[] = [];
  const unitsByTask = new Map<string, Unit[]>();
  const parents = new Map<string, string[]>();
  const resultRefs = new Map<string, ReturnType<typeof resultRefsOf>>();
  const add = (task: TaskSpec, isFinally: boolean) => {
    const own = initialUnits(task, isFinally);
    units.push(...own);
    unitsByTask.set(task.name, own);
    const refs = resultRefsOf(task);
    resultRefs.set(task.name, refs);
    const producers = refs.map((r) => r.task);
    parents.set(
      task.name,
      [...new Set([...task.needs, ...producers])].filter((p) => p !== task.name),
    );
  };
  for (const task of input.pipeline.tasks) add(task, false);
  for (const task of input.pipeline.finally) add(task, true);
  const children = new Map<string, string[]>();
  for (const [task, ps] of parents) for (const p of ps) children.set(p, [...(children.get(p) ?? []), task]);
  return {
    input,
    units,
    unitsByTask,
    parents,
    resultRefs,
    children,
    pending: new Set(units),
    running: new Set(),
    failed: new Set(),
    ready: new Set(),
    byTaskRun: new Map(),
    caught: caughtFailures(input.pipeline),
    pipelineTimedOut: false,
    logsPending: new Set(),
  };
}

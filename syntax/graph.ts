// The pipeline's graph: a task waits for the tasks it `needs` and for those whose results it
// references. Finally tasks are outside the graph: they run once the graph is done.
import { KilnError, TASK_ARTIFACTS_RESULT } from '../contract/index.js';
import type { PipelineSpec, TaskSpec } from './model.js';
import { parseReference, referencesIn } from './references.js';
import { taskStrings } from './walk.js';

/** The graph has a cycle; `cycle` is the closed path, e.g. [a, b, a]. */
export class CycleError extends KilnError {
  readonly code = 'cycle';
  constructor(readonly cycle: string[]) {
    super(`the tasks form a cycle: ${cycle.join(' -> ')}`);
  }
}

export type EdgeKind = 'needs' | 'result';

export interface Edge {
  from: string;
  to: string;
  via: EdgeKind;
}

export interface PipelineGraph {
  /** Non-finally tasks, in declaration order. */
  tasks: string[];
  finally: string[];
  /** task → the tasks it waits for (both kinds, each once). */
  deps: Map<string, string[]>;
  /** task → the tasks whose results it uses: a skipped one skips it too. */
  resultDeps: Map<string, string[]>;
  /** task → the tasks waiting for it. */
  dependents: Map<string, string[]>;
  edges: Edge[];
}

/** A `$(tasks.<task>.results.<result>)` a task reads. */
export interface ResultRef {
  task: string;
  result: string;
}

/** Every task result a task's strings reference, each once, in order of first use. */
export function resultRefsOf(task: TaskSpec): ResultRef[] {
  const seen = new Map<string, ResultRef>();
  for (const text of taskStrings(task)) {
    for (const ref of referencesIn(text)) {
      const parsed = parseReference(ref.expr);
      if (parsed.kind === 'taskResult')
        seen.set(`${parsed.task}\0${parsed.result}`, { task: parsed.task, result: parsed.result });
      // A task's artifacts travel as a result of its own (contract TASK_ARTIFACTS_RESULT).
      if (parsed.kind === 'taskArtifact')
        seen.set(`${parsed.task}\0${TASK_ARTIFACTS_RESULT}`, { task: parsed.task, result: TASK_ARTIFACTS_RESULT });
    }
  }
  return [...seen.values()];
}

/** The tasks `task` waits for, with why; a task referring to itself or to no known task adds nothing here. */
export function taskDependencies(task: TaskSpec): Edge[] {
  const edges: Edge[] = task.needs.map((from) => ({ from, to: task.name, via: 'needs' as const }));
  for (const ref of resultRefsOf(task)) edges.push({ from: ref.task, to: task.name, via: 'result' });
  return edges;
}

function pushUnique(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key)!;
  if (!list.includes(value)) list.push(value);
}

/** Edges to tasks that do not exist (or to finally tasks, or to itself) are left out: validation reports them. */
export function buildGraph(pipeline: PipelineSpec): PipelineGraph {
  const tasks = pipeline.tasks.map((t) => t.name);
  const known = new Set(tasks);
  const deps = new Map(tasks.map((t) => [t, [] as string[]]));
  const resultDeps = new Map(tasks.map((t) => [t, [] as string[]]));
  const dependents = new Map(tasks.map((t) => [t, [] as string[]]));
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const task of pipeline.tasks) {
    for (const edge of taskDependencies(task)) {
      if (!known.has(edge.from) || edge.from === task.name) continue;
      const key = `${edge.from}\0${edge.to}\0${edge.via}`;
      if (!seen.has(key)) edges.push(edge);
      seen.add(key);
      pushUnique(deps, task.name, edge.from);
      pushUnique(dependents, edge.from, task.name);
      if (edge.via === 'result') pushUnique(resultDeps, task.name, edge.from);
    }
  }
  return { tasks, finally: pipeline.finally.map((t) => t.name), deps, resultDeps, dependents, edges };
}

/** A cycle as a closed path (`[a, b, a]`), or undefined when the graph has none. */
export function findCycle(graph: PipelineGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (task: string): string[] | undefined => {
    state.set(task, 'open');
    path.push(task);
    for (const dep of graph.dependents.get(task) ?? []) {
      if (state.get(dep) === 'open') return [...path.slice(path.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    path.pop();
    state.set(task, 'done');
    return undefined;
  };
  for (const task of graph.tasks) {
    if (state.has(task)) continue;
    const found = visit(task);
    if (found) return found;
  }
  return undefined;
}

/** Tasks neither started nor done whose every dependency is done. */
export function readyTasks(
  graph: PipelineGraph,
  done: ReadonlySet<string>,
  started: ReadonlySet<string> = new Set(),
): string[] {
  return graph.tasks.filter((t) => !done.has(t) && !started.has(t) && graph.deps.get(t)!.every((d) => done.has(d)));
}

/** Level 0 holds the tasks with no dependency, level n those whose deepest dependency is at n-1. Requires no cycle. */
export function topologicalLevels(graph: PipelineGraph): string[][] {
  const indegree = new Map(graph.tasks.map((t) => [t, graph.deps.get(t)!.length]));
  const levels: string[][] = [];
  let current = graph.tasks.filter((t) => indegree.get(t) === 0);
  let placed = 0;
  while (current.length > 0) {
    levels.push(current);
    placed += current.length;
    const next: string[] = [];
    for (const task of current) {
      for (const dep of graph.dependents.get(task)!) {
        const left = indegree.get(dep)! - 1;
        indegree.set(dep, left);
        if (left === 0) next.push(dep);
      }
    }
    current = next;
  }
  if (placed !== graph.tasks.length) throw new CycleError(findCycle(graph) ?? []);
  return levels;
}

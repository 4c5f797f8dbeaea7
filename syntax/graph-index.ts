// The pipeline's task graph. Edges come from `needs` (Tekton `runAfter`,
// v1alpha1 `from`) and from `$(tasks.t.results.r)` references; finally tasks are kept apart.
//
//   const graph = buildGraph(pipeline);          // never throws; edges to unknown tasks dropped
//   findCycle(graph)                             // ['a','b','a'] | undefined (validation reports it)
//   readyTasks(graph, done, started)             // what may start now
//   graph.resultDeps.get(t)                      // tasks whose results t uses: a skip propagates
//   resultRefsOf(task)                           // [{task, result}] it reads (the engine's missing-result check)
//   topologicalLevels(graph)                     // [['a','b'], ['c']]; CycleError on a cycle
//   renderGraph(pipeline, 'text' | 'dot' | 'mermaid')
export { buildGraph, CycleError, findCycle, readyTasks, resultRefsOf, taskDependencies, topologicalLevels } from './graph.js';
export type { Edge, EdgeKind, PipelineGraph, ResultRef } from './graph.js';
export { renderGraph, GRAPH_FORMATS } from './graph-render.js';
export type { GraphFormat } from './graph-render.js';

// syntax/: the pipeline syntax. Reads Kiln YAML (v1alpha1) and Tekton documents into the
// one model (model.ts), validates them (every error at once, FILE:LINE:COL + hint, as SpecError),
// and substitutes `$(…)` references when a task is about to run.
//
//   const { pipeline, run } = loadPipelineFiles(['pipeline.yaml']);   // throws SpecError
//   const params = resolveRunParams(pipeline, { ...run?.params, ...cliParams }); // ParamError
//   // per task run:
//   const resolve = makeResolver({ params: taskParamValues(task, params, makeResolver({ params, taskResults })),
//                                  matrix, taskResults, resultPath, workspacePaths, context });
//   evaluateWhen(task.when, resolve)  → { pass, failed? }
//   substituteStep(step, resolve)     → StepSpec with `$(…)` replaced; `$(params.a[*])` as a
//                                       whole argument expands to several arguments
//
// Unknown references are left as written (a shell's `$(date)` is not a reference at all);
// validation has already refused references to undeclared params, results, workspaces and tasks.
export * from './model.js';
export { Diagnostics, SpecError, formatDiagnostic } from './errors.js';
export type { Diagnostic } from './errors.js';
export { groupPipelineFiles, loadPipelineFiles, loadRunFiles, parsePipelineText } from './load.js';
export type { LoadedPipeline, LoadOptions } from './load.js';
export { ParamError, parseParamArgument, resolveRunParams, taskParamValues } from './params.js';
export {
  expandArgs,
  invalidStepOnError,
  parseReference,
  referencesIn,
  stepIndexNamed,
  substitute,
  substituteStep,
  substituteValue,
  wholeStarReference,
} from './references.js';
export type { ParsedReference, Reference, VariableResolver } from './references.js';
export { CONTEXT_VARIABLES, makeResolver } from './scope.js';
export type { SubstitutionScope } from './scope.js';
export { describeWhen, evaluateWhen, parseWhenText } from './when.js';
export { DEFAULT_MAX_PIPELINE_DEPTH } from './child-pipelines.js';
export { pipelineUsesCache } from './task-cache.js';
export { celValue, checkCel, evaluateCel, prepareCel } from './cel.js';
export { celLibrary, type CelProgram } from './cel-library.js';
export { invalidStepWhen, resolveStepWhen } from './step-when.js';
export type { CelOutcome, PreparedCel } from './cel.js';
export type { WhenOutcome } from './when.js';
export { taskStrings, valueStrings } from './walk.js';
export { resolveVolumeFiles, volumeSourceName } from './tekton/volumes.js';
export { credentialFiles } from './tekton/credentials.js';
//
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
export {
  buildGraph,
  CycleError,
  findCycle,
  readyTasks,
  resultRefsOf,
  taskDependencies,
  topologicalLevels,
} from './graph.js';
export type { Edge, EdgeKind, PipelineGraph, ResultRef } from './graph.js';
export { renderGraph, GRAPH_FORMATS } from './graph-render.js';
export type { GraphFormat } from './graph-render.js';
export { suggest } from './did-you-mean.js';
export { MAX_MATRIX_COMBINATIONS } from './common.js';
export { catalogDir, catalogNames, lookupCatalog } from './template-catalog.js';

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
export type * from '../contract/record.js';
export { Diagnostics, SpecError, formatDiagnostic } from './errors.js';
export type { Diagnostic } from './errors.js';
export { parseDuration } from './duration.js';
export { groupPipelineFiles, loadPipelineFiles, parsePipelineText } from './load.js';
export type { LoadedPipeline, LoadOptions, RunDefaults } from './load.js';
export { ParamError, parseParamArgument, resolveRunParams, taskParamValues } from './params.js';
export { expandArgs, parseReference, referencesIn, substitute, substituteStep, substituteValue } from './references.js';
export type { ParsedReference, Reference, VariableResolver } from './references.js';
export { CONTEXT_VARIABLES, makeResolver } from './scope.js';
export type { SubstitutionScope } from './scope.js';
export { describeWhen, evaluateWhen, parseWhenText } from './when.js';
export type { WhenOutcome } from './when.js';
export { taskStrings, valueStrings } from './walk.js';

// From a unit and what the run knows so far to what a runtime runs: the substitution scope of a
// task run, its `when`, the results it is missing, and its TaskRunPlan.
import {
  evaluateCel,
  evaluateWhen,
  expandArgs,
  makeResolver,
  type ParamValue,
  parseReference,
  referencesIn,
  type ResultRef,
  resolveVolumeFiles,
  type StepSpec,
  substitute,
  resolveStepWhen,
  substituteStep,
  taskStrings,
  substituteValue,
  type SubstitutionScope,
  type WorkspaceUse,
  taskParamValues,
  valueStrings,
} from '../syntax/index.js';
import { formatDuration, TASK_ARTIFACTS_RESULT } from '../contract/index.js';
import type { ResolvedStep, TaskRunPlan } from './runtime.js';
import { matrixCombinations } from './matrix.js';
import { mapProbes } from './sidecars.js';
import { uidOf, volumeForWorkspace } from './names.js';
import { mapStrings } from './step-text.js';
import { aggregateStatus, taskStatusForFinally } from './statuses.js';
import { podSpecOf, taskRunSpecOf, withComputeResources, withSidecarResources } from './task-run-spec.js';
import type { EngineState, Unit } from './types.js';

/**
 * A task's results as the rest of the run reads them. A matrix task gives, for each result, a
 * JSON array of every combination's value in matrix order (Tekton's aggregation), so
 * `$(tasks.t.results.r[*])` expands to all of them.
 */
function resultsOfTask(units: Unit[]): Record<string, string> | undefined {
  if (!units.every((u) => u.status === 'Succeeded')) return undefined;
  if (units[0]?.matrixIndex === undefined) return units[0]?.results;
  const out: Record<string, string> = {};
  for (const name of units[0].task.results) {
    if (units.every((u) => name in u.results)) out[name] = JSON.stringify(units.map((u) => u.results[name]));
  }
  return out;
}

/** The result references of a unit that cannot be answered (producer skipped, failed or silent). */
export function missingResults(state: EngineState, unit: Unit): ResultRef[] {
  return (state.resultRefs.get(unit.task.name) ?? []).filter((ref) => {
    const units = state.unitsByTask.get(ref.task);
    return !units || resultsOfTask(units)?.[ref.result] === undefined;
  });
}

/**
 * The result references of a unit whose producer succeeded without writing the result: Tekton fails
 * the run for these (InvalidTaskResultReference) rather than skipping the consumer.
 */
export function invalidResults(state: EngineState, unit: Unit): ResultRef[] {
  return missingResults(state, unit).filter((ref) =>
    (state.unitsByTask.get(ref.task) ?? []).every((u) => u.status === 'Succeeded'),
  );
}

/** The results of the tasks a unit reads (only those: a run may have thousands of tasks). */
function readResults(state: EngineState, unit: Unit): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const ref of state.resultRefs.get(unit.task.name) ?? []) {
    if (ref.task in out) continue;
    const results = resultsOfTask(state.unitsByTask.get(ref.task) ?? []);
    if (results) out[ref.task] = results;
  }
  return out;
}

/** The run's own `$(context.*)`: a local run's namespace is Kubernetes' `default`. */
function runIdentity(input: EngineState['input']): SubstitutionScope['context'] {
  return {
    'pipelineRun.name': input.runName,
    'pipelineRun.namespace': 'default',
    'pipelineRun.uid': uidOf(input.runName),
    'pipeline.name': input.pipeline.name,
  };
}

/** With Kiln's notification variables: the run's link, the tasks failed so far, the time since it started. */
function runContext(state: EngineState, unit: Unit): SubstitutionScope['context'] {
  const { input } = state;
  const failed = state.failed.size === 0 ? [] : state.units.filter((u) => state.failed.has(u));
  const elapsed = (unit.startedAt ?? input.startedAt) - input.startedAt;
  return {
    ...runIdentity(input),
    'pipelineRun.url': input.runUrl ?? '',
    'pipelineRun.failedTasks': [...new Set(failed.map((u) => u.task.name))].join(', '),
    'pipelineRun.duration': formatDuration(Math.round(elapsed / 1000) * 1000),
  };
}

/** What every task of the run can read: run params, results so far, and in finally the statuses. */
function runScope(state: EngineState, unit: Unit): SubstitutionScope {
  const { input } = state;
  const scope: SubstitutionScope = {
    params: input.params,
    taskResults: readResults(state, unit),
    matrixLength: (task, result) => matrixLength(state, task, result),
    context: runContext(state, unit),
    workspaceBound: pipelineWorkspaceBound(state),
  };
  if (unit.finally) {
    scope.taskStatuses = {};
    scope.taskReasons = {};
    for (const task of input.pipeline.tasks) {
      const units = state.unitsByTask.get(task.name) ?? [];
      scope.taskStatuses[task.name] = taskStatusForFinally(units);
      scope.taskReasons[task.name] = taskReason(units);
    }
    scope.aggregateStatus = aggregateStatus(state.units.filter((u) => !u.finally));
  }
  return scope;
}

/**
 * `$(tasks.t.reason)`: one reason for the task, as Tekton gives it — its first task run that did
 * not succeed (a matrix task's), else its first; empty when it has none.
 */
function taskReason(units: Unit[]): string {
  const unit = units.find((u) => u.status !== 'Succeeded') ?? units[0];
  return unit ? (unit.reason ?? unit.status) : '';
}

/**
 * Tekton's `$(tasks.t.matrix.length)`: how many task runs matrix task t has (its combinations, counted
 * before it runs too); `$(tasks.t.matrix.r.length)`: how many of them wrote result r so far. Neither
 * orders the task after t (Tekton's rule: use runAfter), so both are what is known when it starts.
 */
function matrixLength(state: EngineState, task: string, result: string | undefined): string | undefined {
  const units = state.unitsByTask.get(task);
  if (!units?.length) return undefined;
  if (result !== undefined) return String(units.filter((u) => result in u.results).length);
  const first = units[0]!;
  if (first.matrixEmpty) return '0';
  return String(first.matrixPending ? (matrixOf(state, first)?.length ?? 0) : units.length);
}

/** A matrix task's combinations, references substituted (`$(params.list[*])` expands). */
export function matrixOf(state: EngineState, unit: Unit): Record<string, string>[] | undefined {
  const resolve = makeResolver(runScope(state, unit));
  const values = Object.fromEntries(
    Object.entries(unit.task.matrix ?? {}).map(([name, list]) => [name, expandArgs(list, resolve)]),
  );
  const include = unit.task.matrixInclude?.map((i) => ({
    ...i,
    params: Object.fromEntries(Object.entries(i.params).map(([k, v]) => [k, substitute(v, resolve)])),
  }));
  return matrixCombinations(values, include, unit.task.matrixOrder);
}

/** The scope a unit's strings are substituted with (all but the runtime's own paths). */
export function taskVariables(state: EngineState, unit: Unit): SubstitutionScope {
  const run = runScope(state, unit);
  // The task's context is known before its params are: a param's value may name it.
  const base: SubstitutionScope = {
    ...run,
    context: {
      ...run.context,
      'taskRun.name': unit.taskRun,
      'taskRun.namespace': 'default',
      ...(unit.taskRun ? { 'taskRun.uid': uidOf(unit.taskRun) } : {}),
      'task.name': unit.task.name,
      'task.retry-count': String(unit.attempt),
      'pipelineTask.retries': String(unit.task.retries),
    },
  };
  const params = { ...taskParamValues(unit.task, state.input.params, makeResolver(base)), ...unit.matrix };
  const { bound, unbound } = workspaceUses(state, unit);
  return {
    ...base,
    params,
    matrix: unit.matrix,
    // An unbound optional workspace's path is empty, as in Tekton; bound ones are the runtime's.
    workspacePaths: Object.fromEntries(unbound.map((w) => [w, ''])),
    workspaceBound: Object.fromEntries([...bound.map((w) => [w.name, 'true']), ...unbound.map((w) => [w, 'false'])]),
    // Tekton's `.claim` is the PVC's name ("" for other volumes); `.volume` the Pod volume's name,
    // the pod builder's too (volumeForWorkspace).
    workspaceClaims: Object.fromEntries([
      ...bound.map((w) => {
        const b = state.input.workspaces[w.workspace];
        return [w.name, b?.kind === 'pvc' ? b.claimName : ''];
      }),
      ...unbound.map((w) => [w, '']),
    ]),
    workspaceVolumes: Object.fromEntries([
      ...bound.map((w) => [w.name, volumeForWorkspace(w.workspace)]),
      ...unbound.map((w) => [w, '']),
    ]),
  };
}

/**
 * A task's workspaces as bound for this run: a use of an optional pipeline workspace that the run
 * does not bind is unbound, like the optional workspaces its pipeline task never binds.
 */
function workspaceUses(state: EngineState, unit: Unit): { bound: WorkspaceUse[]; unbound: string[] } {
  const { pipeline, workspaces } = state.input;
  const optional = new Set(pipeline.workspaces.filter((w) => w.optional).map((w) => w.name));
  const isUnbound = (w: WorkspaceUse) => optional.has(w.workspace) && !(w.workspace in workspaces);
  return {
    bound: unit.task.workspaces.filter((w) => !isUnbound(w)),
    unbound: [...unit.task.workspaces.filter(isUnbound).map((w) => w.name), ...(unit.task.unboundWorkspaces ?? [])],
  };
}

/**
 * The pipeline's workspaces as a pipeline task's inputs see them (`$(workspaces.w.bound)` in its
 * params and `when`): an optional one the run does not bind is "false", every other "true".
 */
export function pipelineWorkspaceBound(state: EngineState): Record<string, string> {
  const { pipeline, workspaces } = state.input;
  return Object.fromEntries(pipeline.workspaces.map((w) => [w.name, String(!w.optional || w.name in workspaces)]));
}

/** Whether the unit's `when` holds, CEL items too; a CEL item that cannot be evaluated is an error. */
export function whenVerdict(unit: Unit, scope: SubstitutionScope): { pass: boolean } | { error: string } {
  const resolve = makeResolver(scope);
  if (!evaluateWhen(unit.task.when, resolve).pass) return { pass: false };
  for (const cond of unit.task.whenCel ?? []) {
    const outcome = evaluateCel(cond, resolve);
    if ('error' in outcome) return { error: `when ${cond.expression}: ${outcome.error}` };
    if (!outcome.value) return { pass: false };
  }
  return { pass: true };
}

/**
 * A substituted step as a runtime gets it: the whole step model, so a field added to StepSpec
 * reaches every runtime without a line here. The only fields the plan folds or drops are these:
 * `args` join `command` (or become a script's arguments), `pos` serves error messages only,
 * `onErrorParam` was folded into `onError` by substitution (the engine fails a value that is no
 * choice before planning), `whenCel` was decided into `when` (resolveStepWhen; the engine fails
 * one that cannot be decided before planning), and a step without an image takes its task's.
 */
export function planStep(step: StepSpec, taskImage: string | undefined): ResolvedStep {
  const { args, pos: _pos, onErrorParam: _folded, whenCel: _decided, ...planned } = step;
  return {
    ...planned,
    image: step.image ?? taskImage,
    command: step.command ? [...step.command, ...args] : undefined,
    ...(step.script !== undefined && args.length ? { scriptArgs: args } : {}),
  };
}

export function buildPlan(state: EngineState, unit: Unit): TaskRunPlan {
  const { input } = state;
  const resolve = makeResolver(taskVariables(state, unit));
  const task = unit.task;
  const sub = (s: string | undefined) => (s === undefined ? undefined : substitute(s, resolve));
  const spec = taskRunSpecOf(input, task.name);
  const pod = podSpecOf(spec, (s) => substitute(s, resolve));
  return {
    pipelineRun: input.rootRun ?? input.runName,
    pipeline: input.pipeline.name,
    name: unit.taskRun!,
    task: task.name,
    matrix: unit.matrix,
    attempt: unit.attempt,
    image: sub(task.image),
    steps: withComputeResources(
      task.steps.map((step) => planStep(resolveStepWhen(substituteStep(step, resolve), resolve), sub(task.image))),
      spec,
    ),
    // A task writing `$(artifacts.path)` hands its artifacts on as one more result (TASK_ARTIFACTS_RESULT).
    results: taskStrings(task).some((t) => t.includes('$(artifacts.path)'))
      ? [...task.results, TASK_ARTIFACTS_RESULT]
      : task.results,
    workspaces: workspaceUses(state, unit).bound.map((w) => ({ ...w, ...(w.subPath && { subPath: sub(w.subPath) }) })),
    workspaceBindings: input.workspaces,
    // A ConfigMap or Secret a param names is known now: its source substituted, its files picked.
    ...(task.volumes && {
      volumes: task.volumes.map((v) =>
        v.candidates
          ? resolveVolumeFiles(
              v,
              mapStrings(v.source, (s) => substitute(s, resolve)),
            )
          : v,
      ),
    }),
    ...(task.sidecars && {
      sidecars: withSidecarResources(
        task.sidecars.map((s) => ({
          ...planStep(substituteStep(s, resolve), sub(task.image)),
          ...mapProbes(s, (t) => substitute(t, resolve)),
        })),
        spec,
      ),
    }),
    ...(input.credentials?.[task.name] && { credentials: input.credentials[task.name] }),
    timeoutMs: spec?.timeoutMs ?? task.timeoutMs,
    ...(pod && { pod }),
    env: Object.fromEntries(Object.entries(task.env).map(([k, v]) => [k, substitute(v, resolve)])),
    collector: input.collector,
    finally: unit.finally || undefined,
    ...(task.approval ? { approval: { ...task.approval, message: substitute(task.approval.message, resolve) } } : {}),
  };
}

/**
 * The pipeline's own results once the run has ended, made of its tasks' results. As Tekton does, a
 * result that names a task result never produced (task failed, skipped, silent) is left out.
 */
export function pipelineResults(state: EngineState): Record<string, ParamValue> | undefined {
  const specs = state.input.pipeline.results;
  if (!specs?.length || !state.finished) return undefined;
  const taskResults: Record<string, Record<string, string>> = {};
  for (const spec of specs) {
    for (const ref of valueStrings(spec.value).flatMap(referencesIn)) {
      const parsed = parseReference(ref.expr);
      if (parsed.kind !== 'taskResult' || parsed.task in taskResults) continue;
      const results = resultsOfTask(state.unitsByTask.get(parsed.task) ?? []);
      if (results) taskResults[parsed.task] = results;
    }
  }
  const { input } = state;
  const resolve = makeResolver({ params: input.params, taskResults, context: runIdentity(input) });
  const out: Record<string, ParamValue> = {};
  for (const spec of specs) {
    if (
      valueStrings(spec.value)
        .flatMap(referencesIn)
        .every((ref) => resolve(ref.expr) !== undefined)
    )
      out[spec.name] = substituteValue(spec.value, resolve);
  }
  return out;
}

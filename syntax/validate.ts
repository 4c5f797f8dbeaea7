// Checks across the whole pipeline, once every document is read: names that must exist, the
// references in every string, and cycles. Each problem goes to Diagnostics with its position.
import { buildGraph, findCycle } from './graph.js';
import { suggest } from './did-you-mean.js';
import type { Diagnostics } from './errors.js';
import type { PipelineSpec, TaskSpec } from './model.js';
import { parseReference, referencesIn, type ParsedReference } from './references.js';
import { CONTEXT_VARIABLES } from './scope.js';
import type { Sites, TextSite } from './sites.js';

/**
 * The context objects whose fields Tekton's webhook checks, by where the reference is (v1.6.0): in
 * a task's steps `context.taskRun` and `context.task` (validateTaskContextVariables), in a pipeline
 * task's inputs `context.pipelineRun`, `pipeline` and `pipelineTask` (validatePipelineContextVariables,
 * on params; Kiln checks its `when` too). An unknown field of one is refused; any other unknown
 * `$(context.…)` passes the webhook and stays as written in the Pod.
 */
const STEP_CONTEXT_OBJECTS = new Set(['taskRun', 'task']);
const PIPELINE_TASK_CONTEXT_OBJECTS = new Set(['pipelineRun', 'pipeline', 'pipelineTask']);

type Problem = [message: string, hint: string, leniency?: 'left as written'];

const REFERENCE_FORMS =
  'references look like $(params.p), $(params.p[*]), $(tasks.t.results.r), $(results.r.path), $(workspaces.w.path), $(context.pipelineRun.name), $(matrix.p)';

export function validatePipeline(pipeline: PipelineSpec, sites: Sites, diags: Diagnostics): void {
  const tasks = new Map(pipeline.tasks.map((t) => [t.name, t]));
  const finallyTasks = new Map(pipeline.finally.map((t) => [t.name, t]));
  const finallyNames = new Set(finallyTasks.keys());
  for (const t of pipeline.finally) {
    if (tasks.has(t.name))
      diags.add(t.pos, `task "${t.name}" is declared both in tasks and in finally`, 'give one of them another name');
  }
  if (pipeline.tasks.length === 0)
    diags.add(pipeline.pos, `pipeline "${pipeline.name}" has no tasks`, 'add at least one task under tasks');
  checkNeeds(sites, tasks, finallyNames, diags);
  const checker = new ReferenceChecker(tasks, finallyTasks, sites.unresolved, diags);
  for (const site of sites.texts) checker.check(site);
  const cycle = findCycle(buildGraph(pipeline));
  if (cycle) {
    diags.add(
      tasks.get(cycle[0]!)?.pos,
      `the tasks form a cycle: ${cycle.join(' -> ')}`,
      'remove one of these needs (or result references) so the tasks can be ordered',
    );
  }
}

function checkNeeds(sites: Sites, tasks: Map<string, TaskSpec>, finallyNames: Set<string>, diags: Diagnostics): void {
  for (const need of sites.needs) {
    if (need.target === need.task)
      diags.add(
        need.pos,
        `task "${need.task}" lists itself in ${need.key}`,
        `remove "${need.target}" from ${need.key}`,
      );
    else if (finallyNames.has(need.task))
      diags.add(
        need.pos,
        `finally task "${need.task}" cannot use ${need.key}`,
        'finally tasks run after all other tasks; remove it',
      );
    else if (finallyNames.has(need.target))
      diags.add(
        need.pos,
        `${need.key}: "${need.target}" is a finally task`,
        'finally tasks run last; nothing can wait for them',
      );
    else if (!tasks.has(need.target))
      diags.add(need.pos, `${need.key}: there is no task "${need.target}"`, suggest(need.target, [...tasks.keys()]));
  }
}

class ReferenceChecker {
  constructor(
    private readonly tasks: Map<string, TaskSpec>,
    private readonly finallyTasks: Map<string, TaskSpec>,
    private readonly unresolved: ReadonlySet<string>,
    private readonly diags: Diagnostics,
  ) {}

  check(site: TextSite): void {
    for (const ref of referencesIn(site.text)) {
      const problem = this.problem(parseReference(ref.expr), site);
      if (!problem) continue;
      const pos = site.posOf?.(ref.start) ?? site.pos;
      if (problem[2] === 'left as written' && site.tekton)
        this.diags.warn(pos, `$(${ref.expr}): ${problem[0]}; left as written, as Tekton does`, problem[1]);
      else this.diags.add(pos, `$(${ref.expr}): ${problem[0]}`, problem[1]);
    }
  }

  /**
   * [message, hint] when the reference cannot be answered where it is written; with 'left as
   * written' when Tekton's webhook lets it through and its reconciler leaves it as written: in a
   * Tekton document Kiln then does the same, with a warning (Kiln syntax refuses it): `[*]` of a
   * string param (ApplyReplacements knows only `$(params.p)` of a string) and a `$(context.…)` of
   * no context object Tekton's webhook checks where it is written.
   */
  private problem(ref: ParsedReference, site: TextSite): Problem | undefined {
    const scope = site.scope;
    switch (ref.kind) {
      case 'param': {
        const type = scope.params.get(ref.name);
        if (!type)
          return [`no param "${ref.name}" is declared`, declareHint('param', ref.name, [...scope.params.keys()])];
        // `[*]` takes a whole array, or a whole object (Tekton passes an object param on so).
        if (ref.star && type === 'string')
          return [
            `param "${ref.name}" is a string, not an array`,
            `use $(params.${ref.name}) for its value, or declare it with type: array`,
            'left as written',
          ];
        if (ref.index !== undefined && type !== 'array')
          return [
            `param "${ref.name}" is a ${type}, not an array`,
            `use $(params.${ref.name}) or declare it with type: array`,
          ];
        if (ref.key !== undefined && type !== 'object')
          return [
            `param "${ref.name}" is a ${type}, not an object`,
            `use $(params.${ref.name}) or declare it with type: object`,
          ];
        return undefined;
      }
      case 'taskResult':
        return this.taskResultProblem(ref.task, ref.result, site);
      case 'taskArtifact':
        // Any task may write artifacts (no declaration): only the task itself is checked.
        return this.taskResultProblem(ref.task, undefined, site);
      case 'matrixLength':
        return this.matrixLengthProblem(ref.task, ref.result, site);
      case 'taskStatus':
      case 'tasksStatus':
        if (!scope.finally)
          return [
            'task status is only known in finally tasks',
            'move this task under finally, or pass what you need as a result',
          ];
        if (ref.kind === 'taskStatus' && !this.tasks.has(ref.task))
          return [`there is no task "${ref.task}"`, suggest(ref.task, [...this.tasks.keys()])];
        return undefined;
      case 'resultPath':
        if (!scope.results)
          return [
            "$(results.…) is only known inside a task's steps",
            'use it in a step to get the file a result is written to',
          ];
        if (!scope.results.has(ref.name))
          return [`the task declares no result "${ref.name}"`, declareHint('result', ref.name, [...scope.results])];
        return undefined;
      case 'stepExitCode':
      case 'stepResult':
      case 'stepArtifact':
        if (!scope.results)
          return ["$(steps.…) is only known inside a task's steps", 'use it in a later step of the same task'];
        return undefined;
      case 'artifactsPath':
        if (!scope.results)
          return ["$(…artifacts.path) is only known inside a task's steps", 'write the artifacts in a step'];
        return undefined;
      case 'credentialsPath':
        if (!scope.results) return ["$(credentials.path) is only known inside a task's steps", 'use it in a step'];
        return undefined;
      case 'stepResultPath':
        if (!scope.results)
          return [
            "$(step.results.…) is only known inside a task's steps",
            'declare the result on the step and write it there',
          ];
        return undefined;
      case 'workspace':
        if (!scope.workspaces && ref.field === 'bound' && scope.pipelineWorkspaces) {
          if (scope.pipelineWorkspaces.has(ref.name)) return undefined;
          return [
            `the pipeline declares no workspace "${ref.name}"`,
            declareHint('workspace', ref.name, [...scope.pipelineWorkspaces]),
          ];
        }
        if (!scope.workspaces)
          return [
            "$(workspaces.…) is only known inside a task's steps (of a pipeline task's inputs, only $(workspaces.w.bound))",
            'use it in a step',
          ];
        if (!scope.workspaces.has(ref.name))
          return [`no workspace "${ref.name}" is declared`, declareHint('workspace', ref.name, [...scope.workspaces])];
        return undefined;
      case 'context':
        if ((CONTEXT_VARIABLES as readonly string[]).includes(ref.path)) return undefined;
        return [
          `unknown context variable "${ref.path}"`,
          this.contextHint(ref.path),
          (scope.results ? STEP_CONTEXT_OBJECTS : PIPELINE_TASK_CONTEXT_OBJECTS).has(ref.path.split('.')[0]!)
            ? undefined
            : 'left as written',
        ];
      case 'matrix':
        if (!scope.matrix.has(ref.name))
          return [
            `the task has no matrix param "${ref.name}"`,
            declareHint('matrix param', ref.name, [...scope.matrix]),
          ];
        return undefined;
      case 'function':
        return undefined;
      case 'malformed':
        return ['cannot read this reference', REFERENCE_FORMS];
    }
  }

  private matrixLengthProblem(task: string, result: string | undefined, site: TextSite): Problem | undefined {
    if (result !== undefined) {
      const problem = this.taskResultProblem(task, result, site);
      if (problem) return problem;
    } else if (!site.scope.taskResults)
      return ['task results cannot be read here', 'pass the length to the task as a param'];
    const target = this.tasks.get(task) ?? this.finallyTasks.get(task);
    if (!target) return [`there is no task "${task}"`, suggest(task, [...this.tasks.keys()])];
    if (!target.matrix && !target.matrixInclude)
      return [`task "${task}" has no matrix`, `use $(tasks.${task}.results.NAME) for a task without a matrix`];
    return undefined;
  }

  /** `$(context.t.status)` of a pipeline task t is most likely `$(tasks.t.status)` misspelt. */
  private contextHint(path: string): string {
    const m = /^([\w-]+)\.(status|reason)$/.exec(path);
    if (m && (this.tasks.has(m[1]!) || this.finallyTasks.has(m[1]!)))
      return `did you mean $(tasks.${m[1]}.${m[2]})? (a pipeline task's ${m[2]}, read in finally)`;
    return suggest(path, CONTEXT_VARIABLES);
  }

  private taskResultProblem(task: string, result: string | undefined, site: TextSite): Problem | undefined {
    if (!site.scope.taskResults) return ['task results cannot be read here', 'pass the result to the task as a param'];
    if (task === site.scope.task)
      return [
        `task "${task}" refers to its own result`,
        `a step writes it to ${result === undefined ? '$(artifacts.path)' : `$(results.${result}.path)`}; later steps read that file`,
      ];
    if (this.finallyTasks.has(task) && !site.scope.afterRun)
      return [
        `"${task}" is a finally task; its results are not available`,
        'refer to results of tasks outside finally',
      ];
    const target = this.tasks.get(task) ?? this.finallyTasks.get(task);
    if (!target) return [`there is no task "${task}"`, suggest(task, [...this.tasks.keys()])];
    if (result !== undefined && !target.results.includes(result) && !this.unresolved.has(task))
      return [`task "${task}" declares no result "${result}"`, declareHint('result', result, target.results, task)];
    return undefined;
  }
}

function declareHint(what: string, name: string, declared: string[], owner?: string): string {
  const near = suggest(name, declared);
  if (near.startsWith('did you mean')) return near;
  return `declare ${what} "${name}"${owner ? ` in task "${owner}"` : ''}${declared.length ? ` (declared: ${declared.join(', ')})` : ''}`;
}

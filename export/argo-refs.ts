// Where an Argo DAG stands and how Kiln's references read there: the workflow's own DAG takes
// pipeline params from workflow.parameters, a called pipeline's DAG template from its inputs; a
// matrix becomes withItems or withParam; a task template's inputs are what its steps reference.
import {
  type ParamValue,
  type ParsedReference,
  type PipelineSpec,
  type TaskSpec,
  type WorkspaceBinding,
  wholeStarReference,
} from '../syntax/index.js';
import { rewriteRefs } from './common.js';

export interface ArgoOptions {
  params?: Record<string, ParamValue>;
  workspaces?: Record<string, WorkspaceBinding>;
  timeoutMs?: number;
  /** The image of steps that name none (Argo needs one per container). */
  defaultImage?: string;
}

/** The DAG being written: the workflow's (`main`) or a called pipeline's, one per call. */
export interface Scope {
  pipeline: PipelineSpec;
  /** Where the pipeline's params are read: `workflow.parameters` or the DAG template's `inputs.parameters`. */
  params: string;
  /** Prepended to the names of this DAG's templates (`ship--` for the pipeline task `ship`). */
  prefix: string;
  /** The task path shown in messages (`ship/`). */
  path: string;
  /** This pipeline's workspace → the Workflow's volume bound to it. */
  volume: (workspace: string) => string;
  /** Every pipeline the run may call, by key (the root's `pipelines`). */
  pipelines: Record<string, PipelineSpec>;
  /** The keys of the pipelines being called, outermost first (a repeat is recursion). */
  stack: string[];
}

export const templateName = (scope: Scope, task: string) => `${scope.prefix}task-${task}`;
export const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
export const text = (v: ParamValue) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A params./tasks. path as the DAG sees it. */
function dagRef(scope: Scope, path: string): string {
  const r = /^tasks\.([\w-]+)\.results\.([\w-]+)$/.exec(path);
  return r ? `{{tasks.${r[1]}.outputs.parameters.${r[2]}}}` : `{{${scope.params}.${path.slice('params.'.length)}}}`;
}

/** References at the DAG level (when, arguments). */
export function dagExpr(scope: Scope, ref: ParsedReference, loopParam: string | undefined): string | undefined {
  if (ref.kind === 'param' && !ref.star && ref.index === undefined && !ref.key)
    return `{{${scope.params}.${ref.name}}}`;
  if (ref.kind === 'taskResult' && !ref.star && ref.index === undefined && !ref.key)
    return `{{tasks.${ref.task}.outputs.parameters.${ref.result}}}`;
  if (ref.kind === 'matrix') return ref.name === loopParam ? '{{item}}' : `{{item.${ref.name}}}`;
  if (ref.kind === 'tasksStatus' || ref.kind === 'taskStatus') return '{{workflow.status}}';
  if (ref.kind === 'context' && ref.path === 'pipelineRun.name') return '{{workflow.name}}';
  return undefined;
}

/** A matrix as Argo items: static combinations (withItems), or one list known at run time (withParam). */
export function loopOf(
  scope: Scope,
  task: TaskSpec,
  where: string,
  problems: string[],
): { withItems?: Record<string, unknown>[]; withParam?: string; param?: string } {
  if (!task.matrix && !task.matrixInclude) return {};
  const entries = Object.entries(task.matrix ?? {});
  const runtime = entries.filter(([, vs]) => vs.some((v) => v.includes('$(')));
  if (runtime.length) {
    const [name, values] = runtime[0]!;
    const star = values.length === 1 ? wholeStarReference(values[0]!) : undefined;
    if (!star || entries.length > 1 || task.matrixInclude?.length) {
      problems.push(
        `${where}: a matrix known at run time must be one param over one list ($(params.p[*]) or a result's [*]) for Argo's withParam`,
      );
      return {};
    }
    return { withParam: dagRef(scope, star.base), param: name };
  }
  let combos: Record<string, unknown>[] = [{}];
  for (const [name, values] of entries) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  for (const inc of task.matrixInclude ?? []) combos.push({ ...inc.params });
  return { withItems: combos };
}

/** The params a task's template takes: pipeline params and carried results, by name → DAG value. */
export function inputsOf(
  scope: Scope,
  task: TaskSpec,
  loopParam: string | undefined,
  where: string,
  problems: string[],
): Map<string, string> {
  const inputs = new Map<string, string>();
  const scan = (s: string) =>
    rewriteRefs(
      s,
      (ref, expr) => {
        if (ref.kind === 'param' && !(ref.name in task.params)) inputs.set(ref.name, `{{${scope.params}.${ref.name}}}`);
        if (ref.kind === 'taskResult')
          inputs.set(`${ref.task}-results-${ref.result}`, `{{tasks.${ref.task}.outputs.parameters.${ref.result}}}`);
        if (ref.kind === 'matrix') inputs.set(ref.name, ref.name === loopParam ? '{{item}}' : `{{item.${ref.name}}}`);
        return `$(${expr})`;
      },
      where,
      problems,
    );
  for (const s of task.steps)
    [s.script, s.image, s.workingDir, ...(s.command ?? []), ...s.args, ...Object.values(s.env)].forEach(
      (x) => x && scan(x),
    );
  [task.image, ...Object.values(task.env)].forEach((x) => x && scan(x));
  return inputs;
}

// The model → Tekton v1 documents (pure): one Task per pipeline task (`<pipeline>-<task>`), the
// Pipeline wiring them, and a PipelineRun. What Tekton cannot express is refused, not dropped:
// every such problem is collected and thrown at once as TektonExportError.
//
// A Tekton Task sees only its own params, so each pipeline param a task's strings reference is
// declared on its Task under the same name and passed in as `$(params.x)`: step text is unchanged.
// A result of another task (`$(tasks.t.results.r)`) is not visible inside a Task's steps either:
// it is passed as a param named `t-results-r`, and the steps read `$(params.t-results-r)`; the same
// for a finally task's `$(tasks.t.status)` (param `t-status`) and `$(tasks.status)`.
import { APPROVAL_REF, type ApprovalSpec, formatDuration, KilnError } from '../contract/index.js';
import {
  type ParamSpec,
  type ParamValue,
  parseReference,
  type PipelineSpec,
  referencesIn,
  type StepSpec,
  substitute,
  type TaskSpec,
  taskStrings,
  type WorkspaceBinding,
} from '../syntax/index.js';

export class TektonExportError extends KilnError {
  readonly code = 'tekton-export';
  constructor(readonly problems: string[]) {
    super(`cannot export to Tekton:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  readonly hint =
    'change the pipeline to avoid these Kiln-only features, or run it with `kiln run` / the Kiln controller';
}

export interface TektonRunOptions {
  params?: Record<string, ParamValue>;
  workspaces?: Record<string, WorkspaceBinding>;
  timeoutMs?: number;
}

type Doc = Record<string, unknown>;
const API = 'tekton.dev/v1';

export function exportToTekton(pipeline: PipelineSpec, run: TektonRunOptions = {}): Doc[] {
  const problems: string[] = [];
  const declared = new Map(pipeline.params.map((p) => [p.name, p]));
  const all = [...pipeline.tasks.map((t) => ({ t, fin: false })), ...pipeline.finally.map((t) => ({ t, fin: true }))];
  // An approval is a custom task reference: it has no Task document.
  const tasks = all.filter(({ t }) => !t.approval).map(({ t }) => taskDocument(pipeline, t, declared, problems));
  const pipelineTasks = all.map(({ t }) => pipelineTask(pipeline, t, declared));
  const runDoc = pipelineRunDocument(pipeline, run, problems);
  if (problems.length) throw new TektonExportError(problems);
  const spec: Doc = {
    params: pipeline.params.map(paramDecl),
    workspaces: pipeline.workspaces.map((w) =>
      clean({ name: w.name, description: w.description, optional: w.optional }),
    ),
    tasks: pipelineTasks.filter((_, i) => !all[i].fin),
    finally: pipelineTasks.filter((_, i) => all[i].fin),
    results: pipeline.results?.map((r) =>
      clean({
        name: r.name,
        description: r.description,
        type: typeof r.value === 'string' ? undefined : Array.isArray(r.value) ? 'array' : 'object',
        value: r.value,
      }),
    ),
  };
  return [
    ...tasks,
    { apiVersion: API, kind: 'Pipeline', metadata: { name: pipeline.name }, spec: clean(spec) },
    runDoc,
  ];
}

export const taskName = (pipeline: PipelineSpec, task: TaskSpec) => `${pipeline.name}-${task.name}`;
export const resultParamName = (task: string, result: string) => `${task}-results-${result}`;

/**
 * A reference a Task cannot see inside its steps (another task's result or status): the param
 * that carries it, or undefined for references a Task resolves itself.
 */
function carriedParam(expr: string): { name: string; value: string; selector: string } | undefined {
  const r = parseReference(expr);
  if (r.kind === 'taskResult') {
    const selector = r.star ? '[*]' : r.index !== undefined ? `[${r.index}]` : r.key ? `.${r.key}` : '';
    return { name: resultParamName(r.task, r.result), value: `$(tasks.${r.task}.results.${r.result})`, selector };
  }
  if (r.kind === 'taskStatus')
    return { name: `${r.task}-${r.field}`, value: `$(tasks.${r.task}.${r.field})`, selector: '' };
  if (r.kind === 'tasksStatus') return { name: 'tasks-status', value: '$(tasks.status)', selector: '' };
  return undefined;
}

/** The pipeline params and carried references a task's strings use, by Tekton param name. */
function inputsOf(task: TaskSpec): Map<string, string> {
  const inputs = new Map<string, string>();
  for (const text of taskStrings(task)) {
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'param' && !(r.name in task.params)) inputs.set(r.name, `$(params.${r.name})`);
      const carried = carriedParam(ref.expr);
      if (carried) inputs.set(carried.name, carried.value);
    }
  }
  return inputs;
}

/** Rewrites carried references to the params that carry them; a matrix value is a param in Tekton. */
const rewrite = (text: string) =>
  substitute(text, (expr) => {
    const r = parseReference(expr);
    if (r.kind === 'matrix') return `$(params.${r.name})`;
    const carried = carriedParam(expr);
    return carried && `$(params.${carried.name}${carried.selector})`;
  });

/** The params a task's matrix gives each of its runs: the Task declares them like any other. */
const matrixParams = (task: TaskSpec) =>
  [
    ...new Set([
      ...Object.keys(task.matrix ?? {}),
      ...(task.matrixInclude ?? []).flatMap((i) => Object.keys(i.params)),
    ]),
  ].filter((name) => !(name in task.params));

function taskDocument(
  pipeline: PipelineSpec,
  task: TaskSpec,
  declared: Map<string, ParamSpec>,
  problems: string[],
): Doc {
  const where = `task "${task.name}"`;
  const inputs = inputsOf(task);
  const params = [
    ...Object.keys(task.params).map((name) => ({ name, type: typeOf(task.params[name]) })),
    ...[...inputs.keys()].map((name) => clean({ name, type: declared.get(name)?.type ?? 'string' })),
    ...matrixParams(task)
      .filter((name) => !inputs.has(name))
      .map((name) => ({ name, type: 'string' })),
  ];
  for (const text of taskStrings(task)) {
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'function') problems.push(`${where}: $(${ref.expr}) is a Kiln function Tekton does not have`);
    }
  }
  const steps = task.steps.map((s, i) => stepDocument(task, s, i, problems));
  return {
    apiVersion: API,
    kind: 'Task',
    metadata: { name: taskName(pipeline, task) },
    spec: clean({
      displayName: task.displayName,
      params,
      results: task.results.map((name) => ({ name })),
      workspaces: task.workspaces.map((w) => ({ name: w.name })),
      stepTemplate: Object.keys(task.env).length ? { env: envList(task.env) } : undefined,
      steps,
    }),
  };
}

function stepDocument(task: TaskSpec, step: StepSpec, i: number, problems: string[]): Doc {
  const where = `task "${task.name}" step "${step.name}"`;
  if (step.cache) problems.push(`${where}: \`cache\` has no Tekton equivalent (use a workspace on a PVC instead)`);
  const image = step.image ?? task.image;
  if (!image) problems.push(`${where}: has no image (Tekton needs one per step)`);
  return clean({
    name: step.name || `step-${i + 1}`,
    image: image && rewrite(image),
    script: step.script !== undefined ? rewrite(step.script) : undefined,
    command: step.command?.map(rewrite),
    args: step.args.length ? step.args.map(rewrite) : undefined,
    env: Object.keys(step.env).length ? envList(step.env, rewrite) : undefined,
    workingDir: step.workingDir && rewrite(step.workingDir),
    timeout: step.timeoutMs !== undefined ? formatDuration(step.timeoutMs) : undefined,
    onError: step.onError === 'continue' ? 'continue' : undefined,
    computeResources: step.resources,
  });
}

/** An approval gate as Tekton's custom task reference, read back by the Tekton reader (syntax/approval.ts). */
function approvalTask(task: TaskSpec, approval: ApprovalSpec): Doc {
  return clean({
    name: task.name,
    displayName: task.displayName,
    taskRef: { ...APPROVAL_REF },
    runAfter: task.needs.length ? task.needs : undefined,
    params: [
      { name: 'message', value: approval.message },
      ...(approval.approvers.length ? [{ name: 'approvers', value: approval.approvers }] : []),
      { name: 'onTimeout', value: approval.onTimeout },
    ],
    when: task.when.length
      ? task.when.map((w) => ({ input: w.input, operator: w.operator, values: w.values }))
      : undefined,
    timeout: approval.timeoutMs !== undefined ? formatDuration(approval.timeoutMs) : undefined,
  });
}

function pipelineTask(pipeline: PipelineSpec, task: TaskSpec, declared: Map<string, ParamSpec>): Doc {
  if (task.approval) return approvalTask(task, task.approval);
  const inputs = inputsOf(task);
  const params = [
    ...Object.entries(task.params).map(([name, value]) => ({ name, value })),
    ...[...inputs].map(([name, value]) => ({
      name,
      value: declared.get(name)?.type === 'array' ? `$(params.${name}[*])` : value,
    })),
  ];
  return clean({
    name: task.name,
    displayName: task.displayName,
    taskRef: { name: taskName(pipeline, task) },
    runAfter: task.needs.length ? task.needs : undefined,
    params,
    when: task.when.length
      ? task.when.map((w) => ({ input: w.input, operator: w.operator, values: w.values }))
      : undefined,
    workspaces: task.workspaces.map((w) => clean({ name: w.name, workspace: w.workspace, subPath: w.subPath })),
    retries: task.retries || undefined,
    timeout: task.timeoutMs !== undefined ? formatDuration(task.timeoutMs) : undefined,
    matrix:
      task.matrix || task.matrixInclude
        ? clean({
            params: Object.entries(task.matrix ?? {}).map(([name, value]) => ({ name, value })),
            include: task.matrixInclude?.map((i) =>
              clean({ name: i.name, params: Object.entries(i.params).map(([name, value]) => ({ name, value })) }),
            ),
          })
        : undefined,
  });
}

function pipelineRunDocument(pipeline: PipelineSpec, run: TektonRunOptions, problems: string[]): Doc {
  const workspaces = pipeline.workspaces.map((w) => {
    const b = run.workspaces?.[w.name] ?? { kind: 'emptyDir' as const };
    if (b.kind === 'dir')
      problems.push(
        `workspace "${w.name}" is bound to a host directory (${b.path}); Tekton binds PVCs, emptyDirs or volumeClaimTemplates`,
      );
    const volume =
      b.kind === 'pvc'
        ? { persistentVolumeClaim: { claimName: b.claimName } }
        : b.kind === 'volumeClaimTemplate'
          ? { volumeClaimTemplate: b.spec }
          : { emptyDir: {} };
    return clean({ name: w.name, ...volume, subPath: b.subPath });
  });
  const timeout = run.timeoutMs ?? pipeline.timeoutMs;
  return {
    apiVersion: API,
    kind: 'PipelineRun',
    metadata: { generateName: `${pipeline.name}-` },
    spec: clean({
      pipelineRef: { name: pipeline.name },
      params: Object.entries(run.params ?? {}).map(([name, value]) => ({ name, value })),
      workspaces,
      timeouts: timeout !== undefined ? { pipeline: formatDuration(timeout) } : undefined,
    }),
  };
}

function paramDecl(p: ParamSpec): Doc {
  return clean({ name: p.name, type: p.type, description: p.description, default: p.default });
}

const typeOf = (v: ParamValue) => (typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'object');
const envList = (env: Record<string, string>, map = (s: string) => s) =>
  Object.entries(env).map(([name, value]) => ({ name, value: map(value) }));

/** Drops undefined fields and empty lists, so the YAML shows only what is set. */
function clean<T extends Doc>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}

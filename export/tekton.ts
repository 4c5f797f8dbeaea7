// The model → Tekton v1 documents (pure): one Task per pipeline task (`<pipeline>-<task>`), the
// Pipeline wiring them, and a PipelineRun. What Tekton cannot express is refused, not dropped:
// every such problem is collected and thrown at once as TektonExportError.
//
// A Tekton Task sees only its own params, so each pipeline param a task's strings reference is
// declared on its Task under the same name and passed in as `$(params.x)`: step text is unchanged.
// A result of another task (`$(tasks.t.results.r)`) is not visible inside a Task's steps either:
// it is passed as a param named `t-results-r`, and the steps read `$(params.t-results-r)`; the same
// for a finally task's `$(tasks.t.status)` (param `t-status`) and `$(tasks.status)`.
import { stringify } from 'yaml';
import { APPROVAL_REF, type ApprovalSpec, formatDuration } from '../contract/index.js';
import { clean, type Doc, ExportError, kilnOnly, pipelineCall } from './common.js';
import {
  type ParamSpec,
  type ParamValue,
  type PipelineSpec,
  substitute,
  type TaskRunSpecOverride,
  type TaskSpec,
  type WorkspaceBinding,
  wholeStarReference,
} from '../syntax/index.js';
import { CACHE_PARAMS } from './tekton-cache.js';
import { gatesComment, tektonGates } from './tekton-gates.js';
import { paramDecl, withOuterKeys } from './tekton-params.js';
import { inputsOf, matrixNames } from './tekton-refs.js';
import { API, taskDocument, taskName } from './tekton-task.js';

/** The Tekton export's refusal: an ExportError for the target tekton. */
export class TektonExportError extends ExportError {
  constructor(problems: string[]) {
    super('tekton', problems);
  }
}

export interface TektonRunOptions {
  params?: Record<string, ParamValue>;
  workspaces?: Record<string, WorkspaceBinding>;
  timeoutMs?: number;
  /** The PipelineRun's taskRunSpecs, written back as read. */
  taskRunSpecs?: TaskRunSpecOverride[];
  /** The image of steps that name none (Tekton needs one per step). */
  defaultImage?: string;
  /** The image holding the portable /kiln tree, whose kiln-agent restores and saves step caches. */
  agentImage?: string;
}

export function exportToTekton(pipeline: PipelineSpec, run: TektonRunOptions = {}): Doc[] {
  const problems: string[] = [];
  const declared = new Map(pipeline.params.map((p) => [p.name, p]));
  const all = [...pipeline.tasks.map((t) => ({ t, fin: false })), ...pipeline.finally.map((t) => ({ t, fin: true }))];
  for (const { t } of all) {
    const where = `task "${t.name}"`;
    kilnOnly(t, where, problems, 'Tekton');
    pipelineCall(t, where, problems, 'Tekton');
    if (t.retryPolicy?.backoff || (t.retryPolicy && t.retryPolicy.on.length < 2))
      problems.push(
        `${where}: a retry backoff or on: has no Tekton equivalent (Tekton retries at once, on any failure)`,
      );
    for (const [need, states] of Object.entries(t.needsOn ?? {}))
      if (states.length !== 2 || !states.includes('succeeded') || !states.includes('skipped'))
        problems.push(
          `${where}: needs ${need} on: [${states.join(', ')}] has no Tekton equivalent (runAfter runs after success or skip)`,
        );
  }
  // An approval is a custom task reference: it has no Task document.
  const tasks = all.filter(({ t }) => !t.approval).map(({ t }) => taskDocument(pipeline, t, declared, problems, run));
  const pipelineTasks = all.map(({ t }) => pipelineTask(pipeline, t, declared));
  const caching = all.some(({ t }) => t.steps.some((s) => s.cache));
  const runDoc = pipelineRunDocument(pipeline, run, problems);
  for (const r of pipeline.results ?? []) {
    // Tekton reads a string pipeline result as references only: text beside one is refused at apply.
    if (typeof r.value === 'string' && substitute(r.value, () => '') !== '')
      problems.push(
        `pipeline result "${r.name}": Tekton takes only $(tasks.T.results.R) references, no text beside them`,
      );
  }
  if (problems.length) throw new TektonExportError(problems);
  const spec: Doc = {
    params: [...pipeline.params.map(paramDecl), ...(caching ? CACHE_PARAMS : [])],
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
    ...(pipeline.documents ?? []),
    ...tasks,
    { apiVersion: API, kind: 'Pipeline', metadata: { name: pipeline.name }, spec: clean(spec) },
    runDoc,
  ];
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
    when: whenList(task),
    timeout: approval.timeoutMs !== undefined ? formatDuration(approval.timeoutMs) : undefined,
  });
}

/** A pipeline task's `when` as Tekton reads it: input/operator/values, then `cel` (gated: tekton-gates.ts). */
function whenList(task: TaskSpec): Doc[] | undefined {
  const when = [
    ...task.when.map((w) => ({ input: w.input, operator: w.operator, values: w.values })),
    ...(task.whenCel ?? []).map((c) => ({ cel: c.expression })),
  ];
  return when.length ? when : undefined;
}

function pipelineTask(pipeline: PipelineSpec, task: TaskSpec, declared: Map<string, ParamSpec>): Doc {
  if (task.approval) return approvalTask(task, task.approval);
  const inputs = inputsOf(task);
  const matrix = matrixNames(task);
  const params = [
    ...Object.entries(task.params)
      .filter(([name]) => !matrix.has(name))
      .map(([name, value]) => ({ name, value: withOuterKeys(name, value, declared) })),
    ...[...inputs].map(([name, value]) => ({
      name,
      value: declared.get(name)?.type === 'array' ? `$(params.${name}[*])` : value,
    })),
    ...(task.steps.some((s) => s.cache) ? CACHE_PARAMS.map(({ name }) => ({ name, value: `$(params.${name})` })) : []),
  ];
  return clean({
    name: task.name,
    displayName: task.displayName,
    taskRef: { name: taskName(pipeline, task) },
    runAfter: task.needs.length ? task.needs : undefined,
    params,
    when: whenList(task),
    workspaces: task.workspaces.map((w) => clean({ name: w.name, workspace: w.workspace, subPath: w.subPath })),
    retries: task.retries || undefined,
    timeout: task.timeoutMs !== undefined ? formatDuration(task.timeoutMs) : undefined,
    onError: task.onError,
    matrix:
      task.matrix || task.matrixInclude
        ? clean({
            params: Object.entries(task.matrix ?? {}).map(([name, value]) => ({ name, value: matrixValue(value) })),
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
          : b.kind === 'files'
            ? b.volume
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
      taskRunSpecs: run.taskRunSpecs?.map(({ pos: _pos, timeoutMs, ...spec }) =>
        clean({
          ...withoutTaskVolumes(spec, pipeline),
          timeout: timeoutMs !== undefined ? formatDuration(timeoutMs) : undefined,
        }),
      ),
    }),
  };
}

/**
 * A pod template's volumes that the task's steps mount are written in its Task: the pod template
 * keeps the others (Tekton refuses a Pod given one volume twice).
 */
function withoutTaskVolumes(spec: TaskRunSpecOverride, pipeline: PipelineSpec): TaskRunSpecOverride {
  const task = [...pipeline.tasks, ...pipeline.finally].find((t) => t.name === spec.pipelineTaskName);
  const moved = new Set((task?.volumes ?? []).filter((v) => v.podTemplate).map((v) => v.name));
  const volumes = spec.podTemplate?.volumes;
  if (!moved.size || !Array.isArray(volumes)) return spec;
  const kept = volumes.filter((v) => !moved.has((v as { name?: string }).name ?? ''));
  const { volumes: _, ...podTemplate } = spec.podTemplate!;
  return { ...spec, podTemplate: kept.length ? { ...podTemplate, volumes: kept } : podTemplate };
}

/** `$(params.list[*])` stays the whole-array reference Tekton expects, not a list of one. */
const matrixValue = (values: string[]): string | string[] =>
  values.length === 1 && wholeStarReference(values[0]!) ? values[0]! : values;

/**
 * The documents as YAML. Written for YAML 1.1 readers (Kubernetes' and Tekton's parsers): a string
 * `yes`, `no`, `on` or `off` is quoted, or it would arrive as a boolean. Multi-line scripts are
 * literal blocks, no line folded, so a script reads as written. The feature flags the documents
 * need (tekton-gates.ts), if any, are said first as a comment.
 */
export function tektonYaml(docs: object[]): string {
  const yaml = docs
    .map((d) => stringify(d, { blockQuote: 'literal', lineWidth: 0, version: '1.1', aliasDuplicateObjects: false }))
    .join('---\n');
  return gatesComment(tektonGates(docs)) + yaml;
}

// Tekton PipelineRun and TaskRun documents: what to run (a referenced or embedded spec) and
// how (params, workspace bindings, timeouts), the latter returned as the run's defaults.
import { MAX_RETRIES, TextReader, type GivenParam } from '../common.js';
import { missingHint } from '../did-you-mean.js';
import type {
  ParamType,
  ParamValue,
  PipelineSpec,
  RunRequest,
  SourcePos,
  TaskRunSpecOverride,
  TektonCredentials,
  WorkspaceBinding,
} from '../model.js';
import { Sites, declarationScope } from '../sites.js';
import type { At, Source } from '../yaml-source.js';
import { isMap } from 'yaml';
import * as F from './fields.js';
import { type Implicit, readPipelineSpec, type TektonContext } from './pipeline.js';
import { readGivenParams } from './step-action.js';
import { readNamedList } from './readers.js';
import { type PodVolumeList, readTaskTemplate, type TaskReadContext } from './task.js';
import type { KubernetesObjects } from './kubernetes.js';
import { accountCredentials, credentialProblems } from './credentials.js';
import { readVolumeFiles, VOLUME_SOURCE_KEYS } from './volumes.js';
import { hasResolver } from './remote-ref.js';
import {
  checkTaskRunSpecs,
  readTaskRunSpec,
  readTaskRunSpecs,
  readTaskRunTemplate,
  TASK_RUN_OWN_KEYS,
  withTaskRunTemplate,
} from './task-run-specs.js';

export interface TektonDoc {
  src: Source;
  kind: string;
  name?: string;
  /** `metadata.generateName` less its trailing "-": what an embedded spec is called locally. */
  stem?: string;
  spec: At;
  pos: At['pos'];
}

export interface ReadRun {
  pipeline?: PipelineSpec;
  run?: RunRequest;
}

export function readPipelineRun(doc: TektonDoc, ctx: TektonContext & { pipelines: Map<string, TektonDoc> }): ReadRun {
  const { src } = doc;
  const f = src.fields(doc.spec, 'PipelineRun spec', F.PIPELINE_RUN_SPEC_KEYS);
  if (!f) return {};
  let pipeline: PipelineSpec | undefined;
  const refAt = f.get('pipelineRef');
  const { run, given, bound } = readRunRequest(src, f, doc, ctx.kubernetes);
  ctx = { ...ctx, ...pipelineRunPodVolumes(src, f) };
  if (f.has('pipelineSpec'))
    pipeline = readPipelineSpec(
      src,
      f.get('pipelineSpec')!,
      'spec.pipelineSpec',
      doc.name ?? doc.stem ?? 'pipeline',
      ctx,
      implicitOf(given, bound),
    );
  else if (hasResolver(refAt) && ctx.remote) {
    const target = ctx.remote.resolve(src, refAt!, 'spec.pipelineRef', 'Pipeline');
    const name = target?.name ?? doc.name ?? doc.stem ?? 'pipeline';
    if (target) pipeline = readPipelineSpec(target.src, target.spec, `Pipeline ${name}`, name, ctx);
  } else if (refAt) {
    const ref = src.fields(refAt, 'spec.pipelineRef', ['name', 'apiVersion'], F.REF_REFUSED);
    const name = ref && src.string(ref.get('name'), 'spec.pipelineRef.name');
    const target = name === undefined ? undefined : ctx.pipelines.get(name);
    if (name !== undefined && !target)
      src.error(
        refAt.pos,
        `there is no Pipeline "${name}" in the files given`,
        missingHint(name, [...ctx.pipelines.keys()]),
      );
    if (target) pipeline = readPipelineSpec(target.src, target.spec, `Pipeline ${name}`, name!, ctx);
  } else
    src.error(
      doc.spec.pos,
      'the PipelineRun has neither pipelineRef nor pipelineSpec',
      'add pipelineRef: { name: PIPELINE }',
    );
  const entries = readTaskRunSpecs(src, f.get('taskRunSpecs'), 'spec.taskRunSpecs');
  if (pipeline) checkTaskRunSpecs(src, entries, pipeline, 'spec.taskRunSpecs');
  const tasks = pipeline ? [...pipeline.tasks, ...pipeline.finally].map((t) => t.name) : [];
  const specs = withTaskRunTemplate(
    entries,
    readTaskRunTemplate(src, f.get('taskRunTemplate'), 'spec.taskRunTemplate'),
    tasks,
  );
  if (specs.length) run.taskRunSpecs = specs;
  const credentials = runCredentials(src, doc.pos, tasks, specs, ctx.kubernetes);
  if (credentials) run.credentials = credentials;
  const timeouts = f.get('timeouts') && src.fields(f.get('timeouts')!, 'spec.timeouts', F.TIMEOUTS_KEYS);
  const timeoutMs = src.duration(timeouts?.get('pipeline') ?? f.get('timeout'), 'spec.timeouts.pipeline');
  if (timeoutMs !== undefined) run.timeoutMs = timeoutMs;
  if (pipeline) dropUndeclared(run, pipeline);
  return { ...(pipeline ? { pipeline } : {}), run };
}

/**
 * As Tekton: params a run passes that a referenced Pipeline or Task does not declare are ignored
 * (an embedded spec declares them all: they are its implicit params).
 */
function dropUndeclared(run: RunRequest, pipeline: PipelineSpec): void {
  const declared = new Set(pipeline.params.map((p) => p.name));
  run.params = Object.fromEntries(Object.entries(run.params).filter(([name]) => declared.has(name)));
}

/**
 * A TaskRun (or a lone Task) as a one-task pipeline: the task's params and workspaces become the
 * pipeline's, passed through unchanged, so `kiln run --param` works the same.
 */
export function readTaskRun(doc: TektonDoc, ctx: TektonContext, isTask: boolean): ReadRun {
  const { src } = doc;
  const f = isTask ? new Map([['taskSpec', doc.spec]]) : src.fields(doc.spec, 'TaskRun spec', F.TASK_RUN_SPEC_KEYS);
  if (!f) return {};
  let templateSource: { src: Source; spec: At; name: string } | undefined;
  if (f.has('taskSpec')) templateSource = { src, spec: f.get('taskSpec')!, name: doc.name ?? doc.stem ?? 'task' };
  else if (hasResolver(f.get('taskRef')) && ctx.remote) {
    const target = ctx.remote.resolve(src, f.get('taskRef')!, 'spec.taskRef', 'Task');
    if (target) templateSource = { src: target.src, spec: target.spec, name: target.name ?? doc.name ?? 'task' };
  } else if (f.has('taskRef')) {
    const ref = src.fields(f.get('taskRef')!, 'spec.taskRef', F.TASK_REF_KEYS, F.REF_REFUSED);
    const name = ref && src.string(ref.get('name'), 'spec.taskRef.name');
    const target = name === undefined ? undefined : ctx.tasks.get(name);
    if (name !== undefined && !target)
      src.error(
        f.get('taskRef')!.pos,
        `there is no Task "${name}" in the files given`,
        missingHint(name, [...ctx.tasks.keys()]),
      );
    if (target) templateSource = { ...target, name: name! };
  } else src.error(doc.spec.pos, 'the TaskRun has neither taskRef nor taskSpec', 'add taskRef: { name: TASK }');
  if (!templateSource) return {};
  const taskName = templateSource.name;
  const inputs = isTask ? undefined : readRunRequest(src, f, doc, ctx.kubernetes);
  // An embedded taskSpec sees the run's params and workspaces without declaring them.
  const implicit = inputs && f.has('taskSpec') ? implicitOf(inputs.given, inputs.bound) : undefined;
  const template = readTaskTemplate(
    templateSource.src,
    templateSource.spec,
    isTask ? `Task ${taskName}` : 'spec.taskSpec',
    taskName,
    { ...ctx, ...podVolumesOf(src, f) },
    { params: implicit?.params ?? new Map(), task: taskName, ...(implicit ? { workspaces: implicit.workspaces } : {}) },
  );
  if (!template) return {};
  const implicitParams = [...(implicit?.params ?? [])]
    .filter(([name]) => !template.params.some((p) => p.name === name))
    .map(([name, type]) => ({ name, type }));
  // A whole object passes on as Tekton writes it, `$(params.o[*])` (Tekton refuses `$(params.o)`).
  const passThrough = (p: { name: string; type: string }): ParamValue =>
    p.type === 'array'
      ? [`$(params.${p.name}[*])`]
      : p.type === 'object'
        ? `$(params.${p.name}[*])`
        : `$(params.${p.name})`;
  const pipeline: PipelineSpec = {
    name: doc.name ?? taskName,
    params: [...template.params, ...implicitParams],
    workspaces: template.workspaces.map((w) => ({ name: w.name, ...(w.optional ? { optional: true } : {}) })),
    tasks: [
      {
        name: taskName,
        ...(template.displayName ? { displayName: template.displayName } : {}),
        steps: template.steps,
        ...(template.volumes && { volumes: template.volumes }),
        ...(template.sidecars && { sidecars: template.sidecars }),
        needs: [],
        when: [],
        results: template.results,
        params: Object.fromEntries(template.params.map((p) => [p.name, passThrough(p)])),
        retries: src.integer(f.get('retries'), 'spec.retries', 0, MAX_RETRIES) ?? 0,
        env: {},
        workspaces: template.workspaces.map((w) => ({
          name: w.name,
          workspace: w.name,
          ...(w.readOnly ? { readOnly: w.readOnly } : {}),
        })),
        pos: doc.pos,
      },
    ],
    finally: [],
    files: [src.file],
    pos: doc.pos,
  };
  const timeoutMs = src.duration(f.get('timeout'), 'spec.timeout');
  if (timeoutMs !== undefined) pipeline.tasks[0]!.timeoutMs = timeoutMs;
  // A TaskRun's own pod fields are its one task's taskRunSpec.
  if (inputs && TASK_RUN_OWN_KEYS.some((k) => f.has(k))) {
    const own = readTaskRunSpec(src, f, 'spec', taskName, doc.spec.pos);
    checkTaskRunSpecs(src, [own], pipeline, 'spec');
    inputs.run.taskRunSpecs = [own];
  }
  const credentials = inputs && runCredentials(src, doc.pos, [taskName], inputs.run.taskRunSpecs ?? [], ctx.kubernetes);
  if (inputs && credentials) inputs.run.credentials = credentials;
  if (inputs) dropUndeclared(inputs.run, pipeline);
  return inputs ? { pipeline, run: inputs.run } : { pipeline };
}

interface RunInputs {
  run: RunRequest;
  given: Map<string, GivenParam>;
  /** Workspace bindings by name, with where they are written. */
  bound: Map<string, At['pos']>;
}

/** `podTemplate.volumes` of `f` (a TaskRun's spec, a taskRunSpecs entry, a taskRunTemplate). */
function podVolumeList(src: Source, f: Map<string, At> | undefined, what: string): PodVolumeList[] {
  const template = f?.get('podTemplate');
  const entries = isMap(template?.node) ? src.entries(template, `${what}.podTemplate`) : undefined;
  const at = entries?.find((e) => e.key === 'volumes')?.value;
  return at ? [{ src, at, what: `${what}.podTemplate.volumes` }] : [];
}

/** A TaskRun's `podTemplate.volumes`, for the steps that mount them (the rest stays the Pod's). */
function podVolumesOf(src: Source, f: Map<string, At>): Pick<TaskReadContext, 'podVolumesFor'> {
  const lists = podVolumeList(src, f, 'spec');
  return lists.length ? { podVolumesFor: () => lists } : {};
}

/**
 * A PipelineRun's pod templates' volumes, for the steps that mount them: a pipeline task's
 * `taskRunSpecs` entry's, then `taskRunTemplate`'s (Tekton's GetTaskRunSpec merges them by name,
 * the entry's winning).
 */
function pipelineRunPodVolumes(src: Source, f: Map<string, At>): Pick<TaskReadContext, 'podVolumesFor'> {
  const template = f.get('taskRunTemplate');
  const templateFields = isMap(template?.node)
    ? new Map((src.entries(template!, 'spec.taskRunTemplate') ?? []).map((e) => [e.key, e.value]))
    : undefined;
  const shared = podVolumeList(src, templateFields, 'spec.taskRunTemplate');
  const byTask = new Map<string, PodVolumeList[]>();
  (src.list(f.get('taskRunSpecs'), 'spec.taskRunSpecs') ?? []).forEach((item, i) => {
    const entry = isMap(item.node)
      ? new Map((src.entries(item, 'spec.taskRunSpecs[]') ?? []).map((e) => [e.key, e.value]))
      : undefined;
    const task = entry && src.string(entry.get('pipelineTaskName'), `spec.taskRunSpecs[${i}].pipelineTaskName`);
    if (task !== undefined) byTask.set(task, podVolumeList(src, entry, `spec.taskRunSpecs[${i}]`));
  });
  if (!shared.length && ![...byTask.values()].some((l) => l.length)) return {};
  return { podVolumesFor: (task) => [...(byTask.get(task) ?? []), ...shared] };
}

function readRunRequest(src: Source, f: Map<string, At>, doc: TektonDoc, kubernetes: KubernetesObjects): RunInputs {
  // A run's param values are data, not templates: they are not checked for references.
  const reader = new TextReader(src, new Sites(), declarationScope());
  const params: Record<string, ParamValue> = {};
  const given = readGivenParams(reader, f.get('params'), 'spec.params');
  for (const [name, g] of given) params[name] = g.value;
  const workspaces: Record<string, WorkspaceBinding> = {};
  const bound = new Map<string, At['pos']>();
  for (const b of readNamedList(src, f.get('workspaces'), 'spec.workspaces', [
    ...F.WORKSPACE_BINDING_KEYS,
    ...VOLUME_SOURCE_KEYS,
    ...Object.keys(F.WORKSPACE_BINDING_REFUSED),
  ])) {
    bound.set(b.name, b.pos);
    const binding = readBinding(src, b.fields, `spec.workspaces.${b.name}`, b.pos, kubernetes);
    if (binding) workspaces[b.name] = binding;
  }
  return { run: { ...(doc.name ? { name: doc.name } : {}), params, workspaces }, given, bound };
}

function readBinding(
  src: Source,
  f: Map<string, At>,
  what: string,
  pos: At['pos'],
  kubernetes: KubernetesObjects,
): WorkspaceBinding | undefined {
  for (const [key, reason] of Object.entries(F.WORKSPACE_BINDING_REFUSED)) {
    if (f.has(key)) {
      src.error(f.get(key)!.pos, `${what}: ${key} is not supported`, reason);
      return undefined;
    }
  }
  const subPath = src.string(f.get('subPath'), `${what}.subPath`);
  const sub = subPath !== undefined ? { subPath } : {};
  if (VOLUME_SOURCE_KEYS.some((k) => f.has(k))) {
    const read = readVolumeFiles(src, f, what, kubernetes);
    return read && { kind: 'files', ...read, ...sub };
  }
  const pvc = f.get('persistentVolumeClaim');
  if (pvc) {
    const claim = src.fields(pvc, `${what}.persistentVolumeClaim`, ['claimName', 'readOnly']);
    const claimName = claim && src.string(claim.get('claimName'), `${what}.persistentVolumeClaim.claimName`);
    if (claimName !== undefined)
      return { kind: 'pvc', claimName, ...sub, ...(kubernetes.claims.has(claimName) ? { declared: true } : {}) };
    if (claim) src.error(pvc.pos, `${what}.persistentVolumeClaim needs claimName`);
    return undefined;
  }
  // A volumeClaimTemplate is a fresh volume per run: locally, a fresh directory.
  if (f.has('emptyDir') || f.has('volumeClaimTemplate')) return { kind: 'emptyDir', ...sub };
  src.error(
    pos,
    `${what} binds no volume`,
    'use emptyDir: {}, volumeClaimTemplate or persistentVolumeClaim (or --workspace NAME=DIR with kiln run)',
  );
  return undefined;
}

/** A run's params and workspaces, as an embedded spec sees them undeclared. */
function implicitOf(given: Map<string, GivenParam>, bound: Map<string, At['pos']>): Implicit {
  const typeOf = (v: ParamValue): ParamType =>
    typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'object';
  return {
    params: new Map([...given].map(([name, g]) => [name, typeOf(g.value)])),
    workspaces: new Set(bound.keys()),
  };
}

/**
 * Each pipeline task's credentials: those of its taskRunSpecs' ServiceAccount, or of "default" as
 * in Tekton, when that account is among the documents given (one of a cluster's is left to it).
 */
function runCredentials(
  src: Source,
  pos: SourcePos | undefined,
  tasks: readonly string[],
  specs: readonly TaskRunSpecOverride[],
  objects: KubernetesObjects,
): Record<string, TektonCredentials> | undefined {
  const out: Record<string, TektonCredentials> = {};
  // Read once an account (most tasks share "default" or the template's), its problems said once.
  const byAccount = new Map<string, TektonCredentials | undefined>();
  const read = (account: string, at: SourcePos | undefined) => {
    const found = accountCredentials(account, objects);
    for (const name of found?.missing ?? [])
      src.diags.warn(
        at,
        `ServiceAccount "${account}" lists Secret "${name}", which is not among the documents given: its credentials are left out`,
        'add the Secret document to the file, or remove it from the account',
      );
    for (const problem of found?.credentials ? credentialProblems(found.credentials) : [])
      src.diags.add(at, `ServiceAccount "${account}": ${problem}`, 'fix the Secret');
    return found?.credentials;
  };
  for (const task of tasks) {
    const spec = specs.find((s) => s.pipelineTaskName === task);
    const account = spec?.serviceAccountName ?? 'default';
    if (!byAccount.has(account)) byAccount.set(account, read(account, spec?.pos ?? pos));
    const credentials = byAccount.get(account);
    if (credentials) out[task] = credentials;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

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
import { APPROVAL_REF, type ApprovalSpec, cacheFlagArgs, ENTRYPOINT_FLAGS, formatDuration } from '../contract/index.js';
import { ExportError, kilnOnly, pipelineCall } from './common.js';
import {
  type ParamSpec,
  type ParamValue,
  parseReference,
  type PipelineSpec,
  referencesIn,
  type StepSpec,
  substitute,
  type TaskRunSpecOverride,
  type TaskSpec,
  taskStrings,
  type WorkspaceBinding,
} from '../syntax/index.js';

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

type Doc = Record<string, unknown>;
const API = 'tekton.dev/v1';

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
  if (r.kind === 'matrixLength')
    return {
      name: `${r.task}-matrix-${r.result ? `${r.result}-` : ''}length`,
      value: `$(tasks.${r.task}.matrix.${r.result ? `${r.result}.` : ''}length)`,
      selector: '',
    };
  if (r.kind === 'taskStatus')
    return { name: `${r.task}-${r.field}`, value: `$(tasks.${r.task}.${r.field})`, selector: '' };
  if (r.kind === 'tasksStatus') return { name: 'tasks-status', value: '$(tasks.status)', selector: '' };
  if (r.kind === 'taskArtifact')
    return {
      name: `${r.task}-${r.category}-${r.name}`,
      value: `$(tasks.${r.task}.${r.category}.${r.name})`,
      selector: '',
    };
  return undefined;
}

/** The pipeline params and carried references a task's strings use, by Tekton param name. */
function inputsOf(task: TaskSpec): Map<string, string> {
  const inputs = new Map<string, string>();
  const matrix = matrixNames(task);
  // A param's value stays in the pipeline task as written (a matrix task's results read whole with
  // `[*]`, as Tekton requires): only the other strings need their references carried.
  for (const text of taskStrings({ ...task, params: {} })) {
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'param' && !(r.name in task.params) && !matrix.has(r.name))
        inputs.set(r.name, `$(params.${r.name})`);
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

/**
 * The params a task's matrix (its params and includes) gives each of its runs. Tekton refuses a
 * param given both there and under the pipeline task's params, so these go only in the matrix; the
 * Task declares them, with the default a combination that lacks one takes.
 */
const matrixNames = (task: TaskSpec) =>
  new Set([...Object.keys(task.matrix ?? {}), ...(task.matrixInclude ?? []).flatMap((i) => Object.keys(i.params))]);

function taskDocument(
  pipeline: PipelineSpec,
  task: TaskSpec,
  declared: Map<string, ParamSpec>,
  problems: string[],
  run: TektonRunOptions,
): Doc {
  const where = `task "${task.name}"`;
  const inputs = inputsOf(task);
  const matrix = matrixNames(task);
  const caching = task.steps.some((s) => s.cache);
  // hashFiles() in a cache key is computed by kiln-agent in the step: only elsewhere is it a problem.
  const cacheKeys = new Set(task.steps.flatMap((s) => (s.cache ? [s.cache.key, ...s.cache.restoreKeys] : [])));
  const params = [
    ...Object.entries(task.params).map(([name, value]) =>
      givenDecl(name, withOuterKeys(name, value, declared), declared, matrix.has(name)),
    ),
    ...[...inputs.keys()].map((name) => {
      const p = declared.get(name);
      return clean({ name, type: p?.type ?? 'string', properties: p && propertiesOf(p.properties, p.default) });
    }),
    ...[...matrix].filter((name) => !(name in task.params)).map((name) => ({ name, type: 'string' })),
  ];
  for (const text of taskStrings(task)) {
    if (cacheKeys.has(text)) continue;
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'function') problems.push(`${where}: $(${ref.expr}) is a Kiln function Tekton does not have`);
    }
  }
  const steps = task.steps.map((s, i) => stepDocument(task, s, i, problems, run.defaultImage));
  if (caching) params.push(...CACHE_PARAMS.map(({ name }) => ({ name, type: 'string' })));
  return {
    apiVersion: API,
    kind: 'Task',
    metadata: { name: taskName(pipeline, task) },
    spec: clean({
      displayName: task.displayName,
      params,
      results: task.results.map((name) => clean({ name, value: stepResultFeeding(task, name) })),
      workspaces: [
        ...task.workspaces.map((w) => clean({ name: w.name, readOnly: w.readOnly })),
        ...(task.unboundWorkspaces ?? []).map((name) => ({ name, optional: true })),
      ],
      stepTemplate: Object.keys(task.env).length ? { env: envList(task.env) } : undefined,
      steps: caching ? [agentInstallStep(run.agentImage ?? 'kiln-agent'), ...steps] : steps,
      sidecars: task.sidecars?.map((s, i) => {
        const { onError: _, ...doc } = stepDocument(task, s, i, problems, run.defaultImage);
        return clean({ ...doc, readinessProbe: s.readinessProbe, startupProbe: s.startupProbe });
      }),
      // A pod template's volume a step mounts is written here, and left out of the pod template.
      volumes: [...(task.volumes ?? []).map((v) => ({ name: v.name, ...v.source })), ...(caching ? CACHE_VOLUMES : [])],
    }),
  };
}

function stepDocument(task: TaskSpec, step: StepSpec, i: number, problems: string[], defaultImage?: string): Doc {
  const where = `task "${task.name}" step "${step.name}"`;
  const image = step.image ?? task.image ?? defaultImage;
  if (!image) problems.push(`${where}: has no image (Tekton needs one per step; give one, or --default-image)`);
  const cached = step.cache ? cachedCommand(step, i, rewrite) : undefined;
  return clean({
    name: step.name || `step-${i + 1}`,
    image: image && rewrite(image),
    script: step.script !== undefined && !cached ? rewrite(step.script) : undefined,
    command: cached ?? step.command?.map(rewrite),
    args: step.args.length && !cached ? step.args.map(rewrite) : undefined,
    volumeMounts: [
      ...(step.volumeMounts ?? []).map(({ workspace: _, ...m }) => ({ ...m, mountPath: rewrite(m.mountPath) })),
      ...(cached ? CACHE_MOUNTS : []),
    ],
    env: Object.keys(step.env).length ? envList(step.env, rewrite) : undefined,
    workingDir: step.workingDir && rewrite(step.workingDir),
    stdoutConfig: step.stdoutPath !== undefined ? { path: rewrite(step.stdoutPath) } : undefined,
    stderrConfig: step.stderrPath !== undefined ? { path: rewrite(step.stderrPath) } : undefined,
    timeout: step.timeoutMs !== undefined ? formatDuration(step.timeoutMs) : undefined,
    onError:
      step.onErrorParam !== undefined
        ? rewrite(step.onErrorParam)
        : step.onError === 'continue'
          ? 'continue'
          : undefined,
    computeResources: step.resources,
    results: step.results?.map((name) => ({ name })),
    workspaces: step.workspaces?.map((w) => clean({ name: w.name, mountPath: w.mountPath && rewrite(w.mountPath) })),
    when: [
      ...(step.when ?? []).map((w) => ({
        input: rewrite(w.input),
        operator: w.operator,
        values: w.values.map(rewrite),
      })),
      ...(step.whenCel ?? []).map((c) => ({ cel: rewrite(c.expression) })),
    ],
  });
}

/** `$(steps.s.results.r)` when a step result is the task result `name` (its `value`). */
function stepResultFeeding(task: TaskSpec, name: string): string | undefined {
  for (const step of task.steps) {
    const from = Object.entries(step.taskResults ?? {}).find(([, to]) => to === name)?.[0];
    if (from) return `$(steps.${step.name}.results.${from})`;
  }
  return undefined;
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
    when: task.when.length
      ? task.when.map((w) => ({ input: w.input, operator: w.operator, values: w.values }))
      : undefined,
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
  const task = pipeline.tasks.find((t) => t.name === spec.pipelineTaskName);
  const moved = new Set((task?.volumes ?? []).filter((v) => v.podTemplate).map((v) => v.name));
  const volumes = spec.podTemplate?.volumes;
  if (!moved.size || !Array.isArray(volumes)) return spec;
  const kept = volumes.filter((v) => !moved.has((v as { name?: string }).name ?? ''));
  const { volumes: _, ...podTemplate } = spec.podTemplate!;
  return { ...spec, podTemplate: kept.length ? { ...podTemplate, volumes: kept } : podTemplate };
}

/** `$(params.list[*])` stays the whole-array reference Tekton expects, not a list of one. */
const matrixValue = (values: string[]): string | string[] =>
  values.length === 1 && /^\$\([^()]*\[\*\]\)$/.test(values[0]!.trim()) ? values[0]! : values;

/**
 * The documents as YAML. Written for YAML 1.1 readers (Kubernetes' and Tekton's parsers): a string
 * `yes`, `no`, `on` or `off` is quoted, or it would arrive as a boolean. Multi-line scripts are
 * literal blocks, no line folded, so a script reads as written.
 */
export function tektonYaml(docs: object[]): string {
  return docs
    .map((d) => stringify(d, { blockQuote: 'literal', lineWidth: 0, version: '1.1', aliasDuplicateObjects: false }))
    .join('---\n');
}

// A step's cache, kept: kiln-agent (copied from the agent image by a first step) runs the step,
// restoring before it and saving after it, with the collector's cache API and a run token from a
// Secret (docs/export.md). Its spool, termination message and metadata go to the tools volume.
const TOOLS = '/kiln';
const CACHE_PARAMS = [
  {
    name: 'kiln-collector',
    type: 'string',
    description: "the Kiln collector's URL (step caches)",
    default: 'http://kiln-collector.kiln:8080',
  },
  {
    name: 'kiln-cache-secret',
    type: 'string',
    description: 'a Secret whose key "token" is a run token of the collector',
    default: 'kiln-cache-token',
  },
];
const CACHE_VOLUMES = [
  { name: 'kiln-bin', emptyDir: {} },
  { name: 'kiln-lib', emptyDir: {} },
  { name: 'kiln-state', emptyDir: {} },
  { name: 'kiln-cache-token', secret: { secretName: '$(params.kiln-cache-secret)' } },
];
const CACHE_MOUNTS = [
  { name: 'kiln-bin', mountPath: `${TOOLS}/bin` },
  { name: 'kiln-lib', mountPath: `${TOOLS}/lib` },
  { name: 'kiln-state', mountPath: `${TOOLS}/state` },
  { name: 'kiln-cache-token', mountPath: `${TOOLS}/token`, readOnly: true },
];

/** The agent image's `kiln-agent init`: fills the tools volumes as the pod builder's init container does. */
function agentInstallStep(agentImage: string): Doc {
  return {
    name: 'kiln-agent-install',
    image: agentImage,
    command: [`${TOOLS}/bin/kiln-agent`, 'init', '/kiln-tools'],
    volumeMounts: [
      { name: 'kiln-bin', mountPath: '/kiln-tools/bin' },
      { name: 'kiln-lib', mountPath: '/kiln-tools/lib' },
    ],
  };
}

function cachedCommand(step: StepSpec, i: number, map: (s: string) => string): string[] {
  const F = ENTRYPOINT_FLAGS;
  const argv =
    step.script !== undefined ? ['sh', '-c', map(step.script)] : [...step.command!.map(map), ...step.args.map(map)];
  const state = `${TOOLS}/state/${i}`;
  return [
    `${TOOLS}/bin/kiln-agent`,
    'entrypoint',
    ...cacheFlagArgs(step.cache!, { url: '$(params.kiln-collector)', tokenFile: `${TOOLS}/token/token` }),
    F.terminationPath,
    `${state}/termination`,
    F.stepMetadataDir,
    state,
    F.resultsDir,
    '/tekton/results',
    F.logDir,
    `${state}/logs`,
    F.stepName,
    step.name,
    F.entrypoint,
    argv[0]!,
    '--',
    ...argv.slice(1),
  ];
}

function paramDecl(p: ParamSpec): Doc {
  return clean({
    name: p.name,
    type: p.type,
    properties: p.type === 'object' ? propertiesOf(p.properties, p.default) : undefined,
    description: p.description,
    default: p.default,
  });
}

/** An object param's `properties`, which Tekton requires: its declared keys and its default's, each a string. */
function propertiesOf(declared: string[] | undefined, value: ParamValue | undefined): Doc | undefined {
  const keys = new Set([
    ...(declared ?? []),
    ...(value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []),
  ]);
  return keys.size ? Object.fromEntries([...keys].map((k) => [k, { type: 'string' }])) : undefined;
}

/**
 * A Task's declaration of a param its pipeline task gives: a whole `$(params.p[*])` has p's type
 * (an array or an object), a whole `$(tasks.t.results.r[*])` is an array, any other value has its
 * own; a matrix param carries its default.
 */
function givenDecl(name: string, value: ParamValue, declared: Map<string, ParamSpec>, withDefault: boolean): Doc {
  const whole =
    typeof value === 'string'
      ? /^\$\((?:params\.([\w-]+)|tasks\.[\w-]+\.results\.[\w-]+)\[\*\]\)$/.exec(value.trim())
      : null;
  const source = whole?.[1] ? declared.get(whole[1]) : undefined;
  const type = source?.type ?? (whole ? 'array' : typeOf(value));
  return clean({
    name,
    type,
    properties: type === 'object' ? propertiesOf(source?.properties, source?.default ?? value) : undefined,
    default: withDefault ? value : undefined,
  });
}

/**
 * An object a pipeline task gives, with the keys it leaves out of the pipeline's object param of
 * that name passed on by reference: what the engine reads (the task's keys win), written so that
 * Tekton's TaskRun has every key its Task reads.
 */
function withOuterKeys(name: string, value: ParamValue, declared: Map<string, ParamSpec>): ParamValue {
  const outer = declared.get(name);
  if (typeof value !== 'object' || Array.isArray(value) || outer?.type !== 'object') return value;
  const keys = Object.keys(propertiesOf(outer.properties, outer.default) ?? {});
  return { ...Object.fromEntries(keys.map((k) => [k, `$(params.${name}.${k})`])), ...value };
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

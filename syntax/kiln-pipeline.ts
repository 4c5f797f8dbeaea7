// The Kiln pipeline syntax (v1alpha1): one YAML document, tasks as a map. See docs/syntax.md.
import { isMap, isSeq } from 'yaml';
import {
  bindParams,
  checkMatrixSize,
  checkName,
  readResults,
  readWhen,
  TextReader,
  type GivenParam,
  type TaskTemplate,
} from './common.js';
import { readKilnApproval } from './approval.js';
import { paramTypes, readKilnParams } from './kiln-params.js';
import { readKilnSteps } from './kiln-steps.js';
import { readKilnSidecars } from './kiln-sidecars.js';
import { applyTaskCache } from './task-cache.js';
import { readRetries } from './retry-policy.js';
import { readNeeds } from './needs.js';
import { readLoop } from './loop.js';
import { type EmbeddedLoader, PIPELINE_FORMS, type PipelineLoader, usePipeline } from './kiln-pipeline-task.js';
import {
  ENGINES,
  type EngineChoice,
  type PipelineResultSpec,
  type PipelineSpec,
  type SourcePos,
  type TaskSpec,
  type WorkspaceSpec,
} from './model.js';
import { type RefScope, type Sites, declarationScope } from './sites.js';
import type { At, Entry, Source } from './yaml-source.js';
import { readWhenCel } from './cel-when.js';

const PIPELINE_KEYS = [
  'name',
  'description',
  'params',
  'workspaces',
  'tasks',
  'finally',
  'results',
  'timeout',
  'engine',
] as const;
const RESULT_KEYS = ['value', 'description'] as const;
const TASK_KEYS = [
  'displayName',
  'description',
  'image',
  'steps',
  'needs',
  'when',
  'results',
  'timeout',
  'retries',
  'matrix',
  'env',
  'uses',
  'with',
  'cache',
  'sidecars',
  'loop',
  'pipeline',
  'pipelineRef',
  'pipelineSpec',
  'params',
  'workspaces',
  'approval',
] as const;
const WORKSPACE_KEYS = ['name', 'description', 'optional'] as const;

export interface KilnReadEnv {
  sites: Sites;
  /** Reads the template `uses:` names (a local file), reporting what goes wrong at `pos`. */
  template(
    ref: string,
    from: Source,
    pos: SourcePos,
    context: { workspaces: Set<string>; matrix: Set<string>; task: string },
  ): TaskTemplate | undefined;
  /** Reads the pipeline `pipeline:` (or `pipelineRef.name`) names, reporting what goes wrong at `pos`. */
  pipeline: PipelineLoader;
  /** Reads a task's embedded `pipelineSpec:`. */
  embedded: EmbeddedLoader;
}

interface PipelineContext {
  src: Source;
  env: KilnReadEnv;
  params: RefScope['params'];
  workspaces: WorkspaceSpec[];
}

/** The pipeline document `src`, or the pipeline embedded at `embedded` (a task's `pipelineSpec`, named after the task by default). */
export function readKilnPipeline(
  src: Source,
  env: KilnReadEnv,
  embedded?: { at: At; what: string; task: string },
): PipelineSpec | undefined {
  const root = embedded?.at ?? src.root();
  const f = src.fields(root, embedded?.what ?? 'pipeline', PIPELINE_KEYS);
  if (!f) return undefined;
  const name = f.has('name') || !embedded ? src.string(f.get('name'), 'name') : embedded.task;
  if (name === undefined) src.error(root.pos, 'the pipeline has no name', 'add name: my-pipeline at the top');
  else if (f.has('name')) checkName(src, name, f.get('name')!.pos, 'pipeline name');
  const declare = new TextReader(src, env.sites, declarationScope());
  const params = readKilnParams(declare, f.get('params'), 'params');
  const ctx: PipelineContext = {
    src,
    env,
    params: paramTypes(params),
    workspaces: readWorkspaces(src, f.get('workspaces')),
  };
  const pipeline: PipelineSpec = {
    name: name ?? 'pipeline',
    params,
    workspaces: ctx.workspaces,
    tasks: readTasks(ctx, f.get('tasks'), false),
    finally: readTasks(ctx, f.get('finally'), true),
    files: [src.file],
    pos: root.pos,
  };
  if (!f.has('tasks'))
    src.error(root.pos, `pipeline "${pipeline.name}" has no tasks`, 'add tasks: with at least one task');
  const timeoutMs = src.duration(f.get('timeout'), 'timeout');
  if (timeoutMs !== undefined) pipeline.timeoutMs = timeoutMs;
  const results = readPipelineResults(ctx, f.get('results'));
  if (results.length) pipeline.results = results;
  const engine = readEngine(src, f.get('engine'));
  if (engine) pipeline.engine = engine;
  return pipeline;
}

/** `engine: auto | host | podman`: where `kiln run` runs the pipeline unless --engine says otherwise. */
function readEngine(src: Source, at: At | undefined): EngineChoice | undefined {
  const value = src.string(at, 'engine');
  if (value === undefined) return undefined;
  if ((ENGINES as readonly string[]).includes(value)) return value as EngineChoice;
  src.error(at!.pos, `unknown engine "${value}"`, `use one of: ${ENGINES.join(', ')}`);
  return undefined;
}

/** `results: { name: VALUE }` or `{ name: { value: VALUE, description } }`: the run's own results. */
function readPipelineResults(ctx: PipelineContext, at: At | undefined): PipelineResultSpec[] {
  const { src } = ctx;
  const reader = new TextReader(src, ctx.env.sites, {
    params: ctx.params,
    taskResults: true,
    finally: false,
    afterRun: true,
    matrix: new Set(),
  });
  const out: PipelineResultSpec[] = [];
  for (const e of (at && src.entries(at, 'results')) ?? []) {
    checkName(src, e.key, e.value.pos, 'result name');
    const what = `results.${e.key}`;
    const f = isMap(e.value.node) ? src.fields(e.value, what, RESULT_KEYS) : undefined;
    const valueAt = f ? f.get('value') : e.value;
    if (!valueAt) {
      if (f) src.error(e.value.pos, `result "${e.key}" has no value`, 'add value: $(tasks.TASK.results.RESULT)');
      continue;
    }
    const value = reader.value(valueAt, f ? `${what}.value` : what);
    const description = f && src.string(f.get('description'), `${what}.description`);
    if (value !== undefined) out.push({ name: e.key, value, ...(description ? { description } : {}) });
  }
  return out;
}

function readWorkspaces(src: Source, at: At | undefined): WorkspaceSpec[] {
  const out: WorkspaceSpec[] = [];
  for (const item of src.list(at, 'workspaces') ?? []) {
    const f = isMap(item.node) ? src.fields(item, 'a workspace', WORKSPACE_KEYS) : undefined;
    const name = f ? src.string(f.get('name'), 'workspace name') : src.string(item, 'a workspace');
    if (name === undefined) {
      if (f) src.error(item.pos, 'a workspace needs a name');
      continue;
    }
    checkName(src, name, item.pos, 'workspace');
    if (out.some((w) => w.name === name)) src.error(item.pos, `workspace "${name}" is declared twice`);
    const ws: WorkspaceSpec = { name };
    const description = f && src.string(f.get('description'), 'workspace description');
    if (description) ws.description = description;
    if (f?.has('optional'))
      ws.optional = src.choice(f.get('optional'), 'workspace optional', ['true', 'false'] as const) === 'true';
    out.push(ws);
  }
  return out;
}

function readTasks(ctx: PipelineContext, at: At | undefined, isFinally: boolean): TaskSpec[] {
  const what = isFinally ? 'finally' : 'tasks';
  return (ctx.src.entries(at ?? { node: null, pos: ctx.src.root().pos }, what) ?? []).flatMap((entry) => {
    const task = readTask(ctx, entry, isFinally, `${what}.${entry.key}`);
    return task ? [task] : [];
  });
}

function readMatrix(reader: TextReader, at: At | undefined, what: string): Record<string, string[]> | undefined {
  if (!at) return undefined;
  const matrix: Record<string, string[]> = {};
  for (const e of reader.src.entries(at, what) ?? []) {
    const values = isSeq(e.value.node)
      ? reader.list(e.value, `${what}.${e.key}`)
      : [reader.text(e.value, `${what}.${e.key}`) ?? ''];
    if (values.length === 0 || values[0] === '')
      reader.src.error(e.value.pos, `${what}.${e.key} has no values`, 'list at least one value');
    matrix[e.key] = values;
  }
  checkMatrixSize(reader.src, matrix, at.pos);
  return matrix;
}

function readTask(ctx: PipelineContext, entry: Entry, isFinally: boolean, what: string): TaskSpec | undefined {
  const { src, env } = ctx;
  checkName(src, entry.key, entry.keyPos, 'task name');
  const f = src.fields(entry.value, what, TASK_KEYS);
  if (!f) return undefined;
  const inputScope: RefScope = {
    params: ctx.params,
    taskResults: true,
    finally: isFinally,
    matrix: new Set(),
    task: entry.key,
  };
  const inputs = new TextReader(src, env.sites, inputScope);
  const matrix = readMatrix(inputs, f.get('matrix'), `${what}.matrix`);
  const matrixNames = new Set(Object.keys(matrix ?? {}));
  Object.assign(inputScope, { matrix: matrixNames });
  const results = readResults(src, f.get('results'), `${what}.results`);
  const workspaceNames = new Set(ctx.workspaces.map((w) => w.name));
  const body = new TextReader(src, env.sites, { ...inputScope, results: new Set(results), workspaces: workspaceNames });
  const task: TaskSpec = {
    name: entry.key,
    steps: [],
    needs: [],
    when: readWhen(inputs, f.get('when'), `${what}.when`),
    results,
    params: {},
    retries: 0,
    env: body.map(f.get('env'), `${what}.env`),
    workspaces: ctx.workspaces.map((w) => ({ name: w.name, workspace: w.name })),
    pos: entry.keyPos,
  };
  if (matrix && Object.keys(matrix).length > 0) task.matrix = matrix;
  const whenCel = readWhenCel(inputs, f.get('when'), `${what}.when`);
  if (whenCel.length) task.whenCel = whenCel;
  const { needs, needsOn } = readNeeds(src, env.sites, f.get('needs'), `${what}.needs`, entry.key);
  task.needs = needs;
  if (needsOn) task.needsOn = needsOn;
  const loop = f.has('loop') ? readLoop(inputs, f.get('loop')!, `${what}.loop`) : undefined;
  if (loop) task.loop = loop;
  const { retries, policy } = readRetries(src, f.get('retries'), `${what}.retries`);
  task.retries = retries;
  if (policy) task.retryPolicy = policy;
  for (const key of ['displayName', 'image'] as const) {
    const value = body.text(f.get(key), `${what}.${key}`);
    if (value !== undefined) task[key] = value;
  }
  const timeoutMs = src.duration(f.get('timeout'), `${what}.timeout`);
  if (timeoutMs !== undefined) task.timeoutMs = timeoutMs;
  if (f.has('approval')) {
    const approval = readKilnApproval(body, entry.key, f, what);
    if (approval) task.approval = approval;
    return task;
  }
  if (PIPELINE_FORMS.some((k) => f.has(k))) usePipeline(inputs, env, task, f, what, workspaceNames);
  else if (f.has('params') || f.has('workspaces'))
    src.error(
      f.get(f.has('params') ? 'params' : 'workspaces')!.pos,
      `${what}: ${f.has('params') ? 'params' : 'workspaces'}: goes with pipeline:`,
      'these name the params and workspaces of a pipeline: task; a template takes uses: and with:',
    );
  else if (f.has('uses')) useTemplate(ctx, task, f, inputs, what, workspaceNames);
  else if (f.has('with'))
    src.error(
      f.get('with')!.pos,
      `${what}: with: goes with uses:`,
      'add uses: ./path/to/template.yaml or remove with:',
    );
  else if (!f.has('steps'))
    src.error(
      entry.keyPos,
      `task "${entry.key}" has no steps`,
      'add steps: with run: or command:, or uses: a template',
    );
  else task.steps = readKilnSteps(body, f.get('steps'), what);
  const sidecarsAt = f.get('sidecars');
  if (sidecarsAt && !f.has('steps'))
    src.error(sidecarsAt.pos, `${what}: sidecars go with steps:`, 'a template or a called pipeline declares its own');
  else if (sidecarsAt) {
    const sidecars = readKilnSidecars(body, sidecarsAt, what, workspaceNames);
    if (sidecars.length) task.sidecars = sidecars;
  }
  if (f.has('cache')) task.steps = applyTaskCache(body, f.get('cache')!, task.steps, what);
  return task;
}

function useTemplate(
  ctx: PipelineContext,
  task: TaskSpec,
  f: Map<string, At>,
  inputs: TextReader,
  what: string,
  workspaces: Set<string>,
): void {
  const { src } = ctx;
  const usesAt = f.get('uses')!;
  const ref = src.string(usesAt, `${what}.uses`);
  for (const key of ['steps', 'results'] as const) {
    if (f.has(key))
      src.error(f.get(key)!.pos, `${what}: ${key} cannot be given with uses:`, `the template defines the ${key}`);
  }
  if (ref === undefined) return;
  const template = ctx.env.template(ref, src, usesAt.pos, {
    workspaces,
    matrix: new Set(Object.keys(task.matrix ?? {})),
    task: task.name,
  });
  if (!template) return;
  const given = new Map<string, GivenParam>();
  for (const e of src.entries(f.get('with') ?? { node: null, pos: usesAt.pos }, `${what}.with`) ?? []) {
    const value = inputs.value(e.value, `${what}.with.${e.key}`);
    if (value !== undefined) given.set(e.key, { value, pos: e.keyPos });
  }
  task.params = bindParams(src, template, given, {
    pos: usesAt.pos,
    key: 'with',
    matrix: Object.keys(task.matrix ?? {}),
  });
  task.steps = template.steps;
  if (template.volumes) task.volumes = template.volumes;
  task.results = template.results;
  task.env = { ...template.env, ...task.env };
  task.image ??= template.image;
  task.displayName ??= template.displayName;
}

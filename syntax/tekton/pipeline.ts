// A Tekton Pipeline spec (a Pipeline or an embedded pipelineSpec) read into the model: each
// pipeline task binds a Task (taskRef by name among the loaded documents, or an embedded
// taskSpec, which also sees the pipeline's params) with its params and workspaces.
import {
  bindParams,
  checkMatrixSize,
  checkName,
  MAX_RETRIES,
  readWhen,
  TextReader,
  type GivenParam,
  type TaskTemplate,
} from '../common.js';
import { missingHint, suggest } from '../did-you-mean.js';
import type {
  MatrixInclude,
  ParamType,
  ParamValue,
  PipelineSpec,
  TaskSpec,
  WorkspaceSpec,
  WorkspaceUse,
} from '../model.js';
import { parseReference } from '../references.js';
import { type RefScope, declarationScope } from '../sites.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { readGivenParams } from './step-action.js';
import { customTaskRef, readTektonApproval } from '../approval.js';
import { readNamedList, readParamDecls } from './readers.js';
import { readTaskTemplate, type TaskReadContext } from './task.js';
import { readWhenCel } from '../cel-when.js';
import { type PipelineRefContext, readPipelineRef } from './pipeline-ref.js';
import { hasResolver } from './remote-ref.js';

export interface TektonContext extends TaskReadContext, PipelineRefContext {
  /** Task and ClusterTask documents by name. */
  tasks: Map<string, { src: Source; spec: At }>;
}

interface PipelineScope {
  src: Source;
  ctx: TektonContext;
  params: RefScope['params'];
  workspaces: Set<string>;
  names: Set<string>;
}

/**
 * What a PipelineRun gives an embedded pipelineSpec without its declaring them (Tekton's implicit
 * params and propagated workspaces): param name → type, and workspace names.
 */
export interface Implicit {
  params: Map<string, ParamType>;
  workspaces: Set<string>;
}

export function readPipelineSpec(
  src: Source,
  at: At,
  what: string,
  name: string,
  ctx: TektonContext,
  implicit?: Implicit,
): PipelineSpec | undefined {
  const f = src.fields(at, what, F.PIPELINE_SPEC_KEYS);
  if (!f) return undefined;
  const declare = new TextReader(src, ctx.sites, declarationScope());
  const params = readParamDecls(declare, f.get('params'), `${what}.params`);
  const workspaces: WorkspaceSpec[] = readNamedList(
    src,
    f.get('workspaces'),
    `${what}.workspaces`,
    F.PIPELINE_WORKSPACE_KEYS,
  ).map((w) => ({
    name: w.name,
    ...(src.string(w.fields.get('optional'), 'optional') === 'true' ? { optional: true } : {}),
  }));
  for (const [param, type] of implicit?.params ?? []) {
    if (!params.some((p) => p.name === param)) params.push({ name: param, type });
  }
  for (const w of implicit?.workspaces ?? []) if (!workspaces.some((x) => x.name === w)) workspaces.push({ name: w });
  const scope: PipelineScope = {
    src,
    ctx,
    params: new Map(params.map((p) => [p.name, p.type])),
    workspaces: new Set(workspaces.map((w) => w.name)),
    names: new Set(),
  };
  const readList = (key: 'tasks' | 'finally') =>
    (src.list(f.get(key), `${what}.${key}`) ?? []).flatMap((item, i) => {
      const task = readPipelineTask(scope, item, key === 'finally', `${what}.${key}[${i}]`);
      return task ? [task] : [];
    });
  const pipeline: PipelineSpec = {
    name,
    params,
    workspaces,
    tasks: readList('tasks'),
    finally: readList('finally'),
    files: [src.file],
    pos: at.pos,
  };
  const reader = new TextReader(src, ctx.sites, {
    params: scope.params,
    taskResults: true,
    finally: false,
    afterRun: true,
    matrix: new Set(),
  });
  const results = readNamedList(src, f.get('results'), `${what}.results`, F.RESULT_DECL_KEYS).flatMap((r) => {
    const at = r.fields.get('value');
    if (!at) {
      src.error(r.pos, `pipeline result "${r.name}" has no value`, 'add value: $(tasks.TASK.results.RESULT)');
      return [];
    }
    const value = reader.value(at, `${what}.results.${r.name}.value`);
    const description = src.string(r.fields.get('description'), `${what}.results.${r.name}.description`);
    return value === undefined ? [] : [{ name: r.name, value, ...(description ? { description } : {}) }];
  });
  if (results.length) pipeline.results = results;
  return pipeline;
}

function readPipelineTask(scope: PipelineScope, item: At, isFinally: boolean, what: string): TaskSpec | undefined {
  const { src, ctx } = scope;
  const f = src.fields(item, what, F.PIPELINE_TASK_KEYS, F.PIPELINE_TASK_REFUSED);
  if (!f) return undefined;
  const name = src.string(f.get('name'), `${what}.name`);
  if (name === undefined) {
    src.error(item.pos, `${what} has no name`, 'add name: my-task');
    return undefined;
  }
  checkName(src, name, f.get('name')!.pos, 'task name');
  if (scope.names.has(name))
    src.error(f.get('name')!.pos, `task "${name}" is declared twice`, 'give each pipeline task its own name');
  scope.names.add(name);
  const inputScope: RefScope = {
    params: scope.params,
    taskResults: true,
    finally: isFinally,
    matrix: new Set(),
    task: name,
    pipelineWorkspaces: scope.workspaces,
  };
  const inputs = new TextReader(src, ctx.sites, inputScope);
  const { matrix, include } = readMatrix(inputs, f.get('matrix'), `${what}.matrix`);
  const given = readGivenParams(inputs, f.get('params'), `${what}.params`);
  const child = readPipelineRef(src, f, what, name, ctx, (s, at, w, n, c) =>
    readPipelineSpec(s, at, w, n, { ...ctx, ...c }),
  );
  const customRef = child ? undefined : customTaskRef(inputs, f.get('taskRef'));
  const approval = customRef && readTektonApproval(inputs, name, customRef, given, what);
  const found = child ? child.template : customRef ? undefined : taskTemplate(scope, f, what, name, given);
  // A task whose Task cannot be read stays in the pipeline, without steps, and its params and
  // workspaces are not checked, so that neither it nor what refers to it adds errors of its own.
  if (!found && !approval) ctx.sites.unresolved.add(name);
  const template = found ?? { name, params: [], results: [], workspaces: [], env: {}, steps: [], pos: item.pos };
  const params = found
    ? bindParams(src, template, given, {
        pos: item.pos,
        key: 'params',
        matrix: matrixGiven(matrix, include, template),
        // As Tekton: an embedded spec reads the params its pipeline task gives it undeclared
        // (propagation); a referenced Task cannot read them, so they are dropped.
        undeclared: f.has('taskSpec') ? 'keep' : 'ignore',
      })
    : Object.fromEntries([...given].map(([k, g]) => [k, g.value]));
  const task: TaskSpec = {
    name,
    steps: template.steps,
    ...(template.volumes && { volumes: template.volumes }),
    ...(template.sidecars && { sidecars: template.sidecars }),
    needs: readNeeds(scope, f, name, what),
    when: readWhen(inputs, f.get('when'), `${what}.when`),
    results: template.results,
    params,
    retries: src.integer(f.get('retries'), `${what}.retries`, 0, MAX_RETRIES) ?? 0,
    env: template.env,
    workspaces: found ? bindWorkspaces(scope, template, f.get('workspaces'), what, item, f.has('taskSpec')) : [],
    pos: item.pos,
  };
  const unbound = template.workspaces.filter((w) => !task.workspaces.some((u) => u.name === w.name));
  if (unbound.length) task.unboundWorkspaces = unbound.map((w) => w.name);
  if (child) {
    task.pipeline = {
      ref: child.key,
      workspaces: Object.fromEntries(task.workspaces.map((w) => [w.name, w.workspace])),
    };
    task.workspaces = [];
    ctx.registry!.call(ctx.key!, child.key, task);
  }
  const displayName = src.string(f.get('displayName'), `${what}.displayName`) ?? template.displayName;
  if (displayName !== undefined) task.displayName = displayName;
  if (Object.keys(matrix).length > 0 || include.length > 0) task.matrix = matrix;
  // Tekton's fan-out varies the first matrix param fastest (its task runs are numbered so).
  if (Object.keys(matrix).length > 1) task.matrixOrder = 'firstFastest';
  if (include.length > 0) task.matrixInclude = include;
  const whenCel = readWhenCel(inputs, f.get('when'), `${what}.when`);
  if (whenCel.length) task.whenCel = whenCel;
  const timeoutMs = src.duration(f.get('timeout'), `${what}.timeout`);
  // A custom task's timeout bounds its wait, as Tekton's CustomRun timeout does.
  if (approval) task.approval = { ...approval, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  else if (timeoutMs !== undefined) task.timeoutMs = timeoutMs;
  if (src.choice(f.get('onError'), `${what}.onError`, ['continue', 'stopAndFail'] as const) === 'continue')
    task.onError = 'continue';
  return task;
}

function taskTemplate(
  scope: PipelineScope,
  f: Map<string, At>,
  what: string,
  task: string,
  given: Map<string, GivenParam>,
): TaskTemplate | undefined {
  const { src, ctx } = scope;
  const specAt = f.get('taskSpec');
  const refAt = f.get('taskRef');
  if (specAt && refAt) src.error(refAt.pos, `${what} has both taskRef and taskSpec`, 'keep one of them');
  if (specAt)
    return readTaskTemplate(src, specAt, `${what}.taskSpec`, task, ctx, {
      // The pipeline's params, and those the pipeline task gives (they win: Tekton's scope precedence).
      params: new Map([...scope.params, ...[...given].map(([n, g]) => [n, givenType(g.value, scope.params)] as const)]),
      task,
      workspaces: scope.workspaces,
      // `$(tasks.t.results.r)` in its steps is an implicit result reference: it orders the task too.
      taskResults: true,
    });
  if (!refAt) {
    src.error(
      f.get('name')!.pos,
      `${what} has neither taskRef nor taskSpec`,
      'add taskRef: { name: TASK } or an embedded taskSpec',
    );
    return undefined;
  }
  if (hasResolver(refAt) && ctx.remote) {
    const doc = ctx.remote.resolve(src, refAt, `${what}.taskRef`, 'Task');
    const name = doc?.name ?? task;
    return doc && readTaskTemplate(doc.src, doc.spec, `Task ${name}`, name, ctx, { params: new Map(), task });
  }
  const ref = src.fields(refAt, `${what}.taskRef`, F.TASK_REF_KEYS, F.REF_REFUSED);
  const name = ref && src.string(ref.get('name'), `${what}.taskRef.name`);
  if (name === undefined) {
    if (ref) src.error(refAt.pos, `${what}.taskRef has no name`);
    return undefined;
  }
  const doc = ctx.tasks.get(name);
  if (!doc) {
    src.error(
      refAt.pos,
      `${what}.taskRef: there is no Task "${name}" in the files given`,
      missingHint(name, [...ctx.tasks.keys()]),
    );
    return undefined;
  }
  return readTaskTemplate(doc.src, doc.spec, `Task ${name}`, name, ctx, { params: new Map(), task });
}

/** The type of a value a pipeline task gives: a whole `$(…[*])` reference passes an array on. */
function givenType(value: ParamValue, outer: RefScope['params']): ParamType {
  if (Array.isArray(value)) return 'array';
  if (typeof value !== 'string') return 'object';
  const whole = /^\$\(([^)]*)\)$/.exec(value.trim());
  const ref = whole && parseReference(whole[1]!);
  if (ref?.kind === 'param' && ref.star) return outer.get(ref.name) ?? 'array';
  return ref?.kind === 'taskResult' && ref.star ? 'array' : 'string';
}

function readNeeds(scope: PipelineScope, f: Map<string, At>, task: string, what: string): string[] {
  const { src, ctx } = scope;
  const needs: string[] = [];
  const add = (value: string, at: At, key: string) => {
    ctx.sites.needs.push({ task, target: value, pos: at.pos, key });
    if (!needs.includes(value)) needs.push(value);
  };
  for (const { value, at } of src.stringList(f.get('runAfter'), `${what}.runAfter`)) add(value, at, 'runAfter');
  // v1alpha1 PipelineResources: `from` orders a task after the tasks producing its inputs.
  const resources = f.get('resources') && src.fields(f.get('resources')!, `${what}.resources`, F.OLD_RESOURCES_KEYS);
  for (const key of ['inputs', 'outputs'] as const) {
    for (const item of src.list(resources?.get(key), `${what}.resources.${key}`) ?? []) {
      const r = src.fields(item, `${what}.resources.${key}[]`, F.OLD_RESOURCE_KEYS);
      for (const { value, at } of src.stringList(r?.get('from'), `${what}.resources.${key}[].from`))
        add(value, at, 'from');
    }
  }
  return needs;
}

/**
 * The params the matrix gives every combination, so the task need not: the matrix's own, and those
 * only an include gives that have no default (with a default, combinations without it take that).
 */
function matrixGiven(matrix: Record<string, string[]>, include: MatrixInclude[], template: TaskTemplate): string[] {
  const fromInclude = new Set(include.flatMap((i) => Object.keys(i.params)).filter((n) => !(n in matrix)));
  return [
    ...Object.keys(matrix),
    ...[...fromInclude].filter((n) => template.params.find((p) => p.name === n)?.default === undefined),
  ];
}

function readMatrix(
  reader: TextReader,
  at: At | undefined,
  what: string,
): { matrix: Record<string, string[]>; include: MatrixInclude[] } {
  const matrix: Record<string, string[]> = {};
  const include: MatrixInclude[] = [];
  if (!at) return { matrix, include };
  const f = reader.src.fields(at, what, F.MATRIX_KEYS);
  for (const [name, given] of readGivenParams(reader, f?.get('params'), `${what}.params`)) {
    // `value: $(params.list[*])` stays one reference: the engine expands it with expandArgs.
    // An empty list is allowed: the task is skipped (MatrixEmpty), as in Tekton.
    if (typeof given.value === 'object' && !Array.isArray(given.value))
      reader.src.error(given.pos, `${what}: "${name}" needs a list of values`);
    matrix[name] = typeof given.value === 'string' ? [given.value] : Array.isArray(given.value) ? given.value : [];
  }
  for (const [i, item] of (reader.src.list(f?.get('include'), `${what}.include`) ?? []).entries()) {
    const where = `${what}.include[${i}]`;
    const g = reader.src.fields(item, where, F.MATRIX_INCLUDE_KEYS);
    if (!g) continue;
    const params: Record<string, string> = {};
    for (const [name, given] of readGivenParams(reader, g.get('params'), `${where}.params`)) {
      if (typeof given.value === 'string') params[name] = given.value;
      else reader.src.error(given.pos, `${where}: "${name}" takes one string value in an include`);
    }
    if (Object.keys(params).length === 0)
      reader.src.error(item.pos, `${where} gives no params`, 'add params: [{name: …, value: …}]');
    const name = reader.src.string(g.get('name'), `${where}.name`);
    include.push({ ...(name ? { name } : {}), params });
  }
  Object.assign(reader.scope, {
    matrix: new Set([...Object.keys(matrix), ...include.flatMap((x) => Object.keys(x.params))]),
  });
  // Each include entry is at most one combination more.
  checkMatrixSize(reader.src, matrix, at.pos, include.length);
  return { matrix, include };
}

function bindWorkspaces(
  scope: PipelineScope,
  template: TaskTemplate,
  at: At | undefined,
  what: string,
  item: At,
  embedded: boolean,
): WorkspaceUse[] {
  const { src } = scope;
  const declared = template.workspaces.map((w) => w.name);
  const uses: WorkspaceUse[] = [];
  for (const b of readNamedList(src, at, `${what}.workspaces`, F.PIPELINE_TASK_WORKSPACE_KEYS)) {
    const workspace = src.string(b.fields.get('workspace'), `${what}.workspaces.${b.name}.workspace`) ?? b.name;
    if (!declared.includes(b.name))
      src.error(
        b.pos,
        `${what}.workspaces: task "${template.name}" has no workspace "${b.name}"`,
        suggest(b.name, declared),
      );
    else if (!scope.workspaces.has(workspace))
      src.error(
        b.pos,
        `${what}.workspaces: the pipeline declares no workspace "${workspace}"`,
        suggest(workspace, [...scope.workspaces]),
      );
    else {
      const subPath = src.string(b.fields.get('subPath'), `${what}.workspaces.${b.name}.subPath`);
      uses.push({ name: b.name, workspace, ...(subPath !== undefined ? { subPath } : {}) });
    }
  }
  for (const w of template.workspaces) {
    // An embedded spec's workspace named like one of the pipeline's is bound to it (TEP-0111).
    if (embedded && !uses.some((u) => u.name === w.name) && scope.workspaces.has(w.name))
      uses.push({ name: w.name, workspace: w.name });
    if (!w.optional && !uses.some((u) => u.name === w.name) && declared.includes(w.name)) {
      src.error(
        item.pos,
        `${what}: workspace "${w.name}" of task "${template.name}" is not bound`,
        `add workspaces: [{ name: ${w.name}, workspace: PIPELINE-WORKSPACE }]`,
      );
    }
  }
  // The Task's `readOnly` goes with each use of the workspace.
  return uses.map((u) => (template.workspaces.find((w) => w.name === u.name)?.readOnly ? { ...u, readOnly: true } : u));
}

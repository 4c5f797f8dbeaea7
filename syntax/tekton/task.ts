// A Tekton Task spec (a Task, ClusterTask, or an embedded taskSpec) read into a TaskTemplate:
// params, results, workspaces, steps with stepTemplate merged in and StepActions inlined.
import { isMap, isSeq } from 'yaml';
import { checkName, TextReader, type TaskTemplate } from '../common.js';
import { checkStepNames } from '../kiln-steps.js';
import type { ParamSpec, ParamType, ResourceRequirements, StepSpec } from '../model.js';
import type { RefScope, Sites } from '../sites.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { inlineStepAction, type StepActions } from './step-action.js';

export interface TaskReadContext {
  sites: Sites;
  stepActions: StepActions;
}

const PARAM_TYPES: readonly ParamType[] = ['string', 'array', 'object'];

/** `params: [{name, type, default, description}]` of a Task, Pipeline or StepAction. */
export function readParamDecls(reader: TextReader, at: At | undefined, what: string): ParamSpec[] {
  const src = reader.src;
  const out: ParamSpec[] = [];
  for (const item of src.list(at, what) ?? []) {
    const f = src.fields(item, `an item of ${what}`, F.PARAM_DECL_KEYS);
    const name = f && src.string(f.get('name'), `${what}[].name`);
    if (!f || name === undefined) {
      if (f) src.error(item.pos, `a param in ${what} has no name`);
      continue;
    }
    if (out.some((p) => p.name === name)) src.error(item.pos, `${what}: param "${name}" is declared twice`);
    const defaultAt = f.get('default');
    const inferred: ParamType = isSeq(defaultAt?.node) ? 'array' : isMap(defaultAt?.node) || f.has('properties') ? 'object' : 'string';
    const spec: ParamSpec = { name, type: src.choice(f.get('type'), `${what}.${name}.type`, PARAM_TYPES) ?? inferred, pos: item.pos };
    if (defaultAt?.node) {
      const value = reader.value(defaultAt, `${what}.${name}.default`);
      if (value !== undefined) spec.default = value;
      if (inferred !== spec.type) {
        src.error(defaultAt.pos, `${what}.${name}: the default is a${inferred === 'array' ? 'n array' : ` ${inferred}`} but type is ${spec.type}`, 'make the default match the type');
      }
    }
    const description = src.string(f.get('description'), `${what}.${name}.description`);
    if (description !== undefined) spec.description = description;
    out.push(spec);
  }
  return out;
}

/** Names of a list of `{name, …}` items (results, workspaces), reporting duplicates. */
export function readNamedList(src: Source, at: At | undefined, what: string, keys: readonly string[]): { name: string; fields: Map<string, At>; pos: At['pos'] }[] {
  const out: { name: string; fields: Map<string, At>; pos: At['pos'] }[] = [];
  for (const item of src.list(at, what) ?? []) {
    const f = src.fields(item, `an item of ${what}`, keys);
    const name = f && src.string(f.get('name'), `${what}[].name`);
    if (!f) continue;
    if (name === undefined) src.error(item.pos, `an item of ${what} has no name`);
    else if (out.some((o) => o.name === name)) src.error(item.pos, `${what}: "${name}" is declared twice`);
    else out.push({ name, fields: f, pos: item.pos });
  }
  return out;
}

export function readTaskTemplate(src: Source, at: At, what: string, name: string, ctx: TaskReadContext, outer: { params: RefScope['params']; task?: string }): TaskTemplate | undefined {
  const f = src.fields(at, what, F.TASK_SPEC_KEYS, F.TASK_SPEC_REFUSED);
  if (!f) return undefined;
  const declare = new TextReader(src, ctx.sites, { params: new Map(), taskResults: false, finally: false, matrix: new Set() });
  const params = readParamDecls(declare, f.get('params'), `${what}.params`);
  const results = readNamedList(src, f.get('results'), `${what}.results`, F.RESULT_DECL_KEYS).map((r) => r.name);
  const workspaces = readNamedList(src, f.get('workspaces'), `${what}.workspaces`, F.TASK_WORKSPACE_KEYS).map((w) => ({
    name: w.name,
    optional: src.string(w.fields.get('optional'), `${what}.workspaces.${w.name}.optional`) === 'true',
  }));
  const reader = new TextReader(src, ctx.sites, {
    params: new Map([...outer.params, ...params.map((p) => [p.name, p.type] as const)]),
    results: new Set(results),
    workspaces: new Set(workspaces.map((w) => w.name)),
    taskResults: false,
    finally: false,
    matrix: new Set(),
    ...(outer.task ? { task: outer.task } : {}),
  });
  const templateAt = f.get('stepTemplate');
  const templateFields = templateAt && src.fields(templateAt, `${what}.stepTemplate`, F.STEP_TEMPLATE_KEYS, F.STEP_REFUSED);
  const template = templateFields ? readStepFields(reader, templateFields, templateAt!, `${what}.stepTemplate`) : undefined;
  const items = src.list(f.get('steps'), `${what}.steps`) ?? [];
  const steps = items.flatMap((item, i) => {
    const step = readStep(reader, item, i, `${what}.steps[${i}]`, ctx);
    return step ? [mergeStepTemplate(step, template)] : [];
  });
  if (items.length === 0) src.error(at.pos, `${what} has no steps`, 'add steps with command: or script:');
  for (const step of steps) {
    if (step.script === undefined && step.command === undefined) {
      src.error(step.pos!, `step "${step.name}" has neither command nor script`, 'Kiln runs steps without looking up the image\'s entrypoint in a registry: add command: [...] or script:');
    }
  }
  checkStepNames(reader, steps, what);
  const displayName = src.string(f.get('displayName'), `${what}.displayName`);
  return { name, ...(displayName ? { displayName } : {}), params, results, workspaces, env: {}, steps, pos: at.pos };
}

/** The fields a step, a stepTemplate and a StepAction share. */
export function readStepFields(reader: TextReader, f: Map<string, At>, at: At, what: string): StepSpec {
  const src = reader.src;
  const step: StepSpec = { name: '', args: reader.list(f.get('args'), `${what}.args`), env: readEnv(reader, f.get('env'), `${what}.env`), onError: 'stopAndFail', pos: at.pos };
  if (f.has('command')) step.command = reader.list(f.get('command'), `${what}.command`);
  for (const key of ['image', 'workingDir', 'script'] as const) {
    const value = reader.text(f.get(key), `${what}.${key}`);
    if (value !== undefined) step[key] = value;
  }
  const resources = readResources(src, f.get('computeResources') ?? f.get('resources'), `${what}.computeResources`);
  if (resources) step.resources = resources;
  return step;
}

function readStep(reader: TextReader, item: At, i: number, what: string, ctx: TaskReadContext): StepSpec | undefined {
  const src = reader.src;
  const f = src.fields(item, what, F.STEP_KEYS, F.STEP_REFUSED);
  if (!f) return undefined;
  const step = readStepFields(reader, f, item, what);
  step.name = src.string(f.get('name'), `${what}.name`) ?? `step-${i + 1}`;
  if (f.has('name')) checkName(src, step.name, f.get('name')!.pos, 'step name');
  step.onError = src.choice(f.get('onError'), `${what}.onError`, ['continue', 'stopAndFail'] as const) ?? 'stopAndFail';
  const timeoutMs = src.duration(f.get('timeout'), `${what}.timeout`);
  if (timeoutMs !== undefined) step.timeoutMs = timeoutMs;
  if (step.script !== undefined && step.command !== undefined) {
    src.error(f.get('script')!.pos, `${what} has both script and command`, 'keep one: script for a script, command + args to exec a program');
  }
  if (f.has('ref')) return inlineStepAction(reader, step, f, what, ctx.stepActions);
  if (f.has('params')) src.error(f.get('params')!.pos, `${what}: params go with ref: (a StepAction)`, 'remove params, or add ref: { name: STEP-ACTION }');
  return step;
}

/** Tekton's `env: [{name, value}]`. */
export function readEnv(reader: TextReader, at: At | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of reader.src.list(at, what) ?? []) {
    const f = reader.src.fields(item, `an item of ${what}`, F.ENV_KEYS, F.ENV_REFUSED);
    const name = f && reader.src.string(f.get('name'), `${what}[].name`);
    if (f && name === undefined) reader.src.error(item.pos, `an item of ${what} has no name`);
    if (f && name !== undefined) out[name] = reader.text(f.get('value'), `${what}.${name}`) ?? '';
  }
  return out;
}

function readResources(src: Source, at: At | undefined, what: string): ResourceRequirements | undefined {
  if (!at) return undefined;
  const f = src.fields(at, what, ['requests', 'limits']);
  if (!f) return undefined;
  const out: ResourceRequirements = {};
  if (f.has('requests')) out.requests = src.stringMap(f.get('requests'), `${what}.requests`);
  if (f.has('limits')) out.limits = src.stringMap(f.get('limits'), `${what}.limits`);
  return out;
}

/** stepTemplate fills what a step leaves out; env merges by name, the step's value wins. */
function mergeStepTemplate(step: StepSpec, template: StepSpec | undefined): StepSpec {
  if (!template) return step;
  const merged: StepSpec = { ...step, env: { ...template.env, ...step.env } };
  merged.image ??= template.image;
  merged.workingDir ??= template.workingDir;
  merged.resources ??= template.resources;
  if (merged.script === undefined && merged.command === undefined && template.command) {
    merged.command = template.command;
    if (merged.args.length === 0) merged.args = template.args;
  }
  return merged;
}

// Readers of the fields that Tasks, Pipelines and StepActions share: param declarations, named
// lists, a step's own fields and env. Apart from task.ts so that StepAction inlining can use them.
import { isMap, isSeq } from 'yaml';
import type { TextReader } from '../common.js';
import type { ParamSpec, ParamType, ResourceRequirements, StepSpec } from '../model.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';

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
    const inferred: ParamType = isSeq(defaultAt?.node)
      ? 'array'
      : isMap(defaultAt?.node) || f.has('properties')
        ? 'object'
        : 'string';
    const spec: ParamSpec = {
      name,
      type: src.choice(f.get('type'), `${what}.${name}.type`, PARAM_TYPES) ?? inferred,
      pos: item.pos,
    };
    if (defaultAt?.node) {
      const value = reader.value(defaultAt, `${what}.${name}.default`);
      if (value !== undefined) spec.default = value;
      if (inferred !== spec.type) {
        src.error(
          defaultAt.pos,
          `${what}.${name}: the default is a${inferred === 'array' ? 'n array' : ` ${inferred}`} but type is ${spec.type}`,
          'make the default match the type',
        );
      }
    }
    const description = src.string(f.get('description'), `${what}.${name}.description`);
    if (description !== undefined) spec.description = description;
    out.push(spec);
  }
  return out;
}

/** Names of a list of `{name, …}` items (results, workspaces), reporting duplicates. */
export function readNamedList(
  src: Source,
  at: At | undefined,
  what: string,
  keys: readonly string[],
): { name: string; fields: Map<string, At>; pos: At['pos'] }[] {
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

/** The fields a step, a stepTemplate and a StepAction share. */
export function readStepFields(reader: TextReader, f: Map<string, At>, at: At, what: string): StepSpec {
  const src = reader.src;
  const step: StepSpec = {
    name: '',
    args: reader.list(f.get('args'), `${what}.args`),
    env: readEnv(reader, f.get('env'), `${what}.env`),
    onError: 'stopAndFail',
    pos: at.pos,
  };
  if (f.has('command')) step.command = reader.list(f.get('command'), `${what}.command`);
  for (const key of ['image', 'workingDir', 'script'] as const) {
    const value = reader.text(f.get(key), `${what}.${key}`);
    if (value !== undefined) step[key] = value;
  }
  const resources = readResources(src, f.get('computeResources') ?? f.get('resources'), `${what}.computeResources`);
  if (resources) step.resources = resources;
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

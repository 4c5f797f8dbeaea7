// Readers of the fields that Tasks, Pipelines and StepActions share: param declarations, named
// lists, a step's own fields and env. Apart from task.ts so that StepAction inlining can use them.
import { isMap, isSeq } from 'yaml';
import type { TextReader } from '../common.js';
import type { ParamSpec, ParamType, ResourceRequirements, StepSpec } from '../model.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { readVolumeMounts } from './task-volumes.js';
import { noKubernetesObjects, type KubernetesObjects } from './kubernetes.js';

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
    const properties = f.get('properties') && src.entries(f.get('properties')!, `${what}.${name}.properties`);
    if (properties) spec.properties = properties.map((e) => e.key);
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
export function readStepFields(
  reader: TextReader,
  f: Map<string, At>,
  at: At,
  what: string,
  objects: KubernetesObjects = noKubernetesObjects(),
): StepSpec {
  const src = reader.src;
  const step: StepSpec = {
    name: '',
    args: reader.list(f.get('args'), `${what}.args`),
    // As in Kubernetes, `env` wins over what `envFrom` brings.
    env: {
      ...readEnvFrom(src, f.get('envFrom'), `${what}.envFrom`, objects),
      ...readEnv(reader, f.get('env'), `${what}.env`, objects),
    },
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
  for (const [key, field] of [
    ['stdoutConfig', 'stdoutPath'],
    ['stderrConfig', 'stderrPath'],
  ] as const) {
    const config = f.get(key) && src.fields(f.get(key)!, `${what}.${key}`, ['path']);
    const path = config && reader.text(config.get('path'), `${what}.${key}.path`);
    if (path) step[field] = path;
  }
  if (f.has('volumeMounts'))
    step.volumeMounts = readVolumeMounts(reader, f.get('volumeMounts'), `${what}.volumeMounts`);
  if (f.has('workspaces'))
    step.workspaces = readNamedList(src, f.get('workspaces'), `${what}.workspaces`, F.STEP_WORKSPACE_KEYS).map((w) => {
      const mountPath = reader.text(w.fields.get('mountPath'), `${what}.workspaces.${w.name}.mountPath`);
      return { name: w.name, ...(mountPath !== undefined && { mountPath }) };
    });
  if (f.has('results'))
    step.results = readNamedList(src, f.get('results'), `${what}.results`, F.STEP_RESULT_DECL_KEYS).map((r) => r.name);
  return step;
}

/** Tekton's `env: [{name, value}]`; `valueFrom` a ConfigMap or Secret given beside the run. */
export function readEnv(
  reader: TextReader,
  at: At | undefined,
  what: string,
  objects: KubernetesObjects = noKubernetesObjects(),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of reader.src.list(at, what) ?? []) {
    const f = reader.src.fields(item, `an item of ${what}`, F.ENV_KEYS);
    const name = f && reader.src.string(f.get('name'), `${what}[].name`);
    if (f && name === undefined) reader.src.error(item.pos, `an item of ${what} has no name`);
    if (!f || name === undefined) continue;
    const from = f.get('valueFrom');
    const value = from
      ? readValueFrom(reader.src, from, `${what}.${name}.valueFrom`, objects)
      : (reader.text(f.get('value'), `${what}.${name}`) ?? '');
    if (value !== undefined) out[name] = value;
  }
  return out;
}

const KEY_REF_KEYS = ['name', 'key', 'optional'];

/** `valueFrom: {configMapKeyRef | secretKeyRef: {name, key}}`: the key's text (none when optional and absent). */
function readValueFrom(src: Source, at: At, what: string, objects: KubernetesObjects): string | undefined {
  const f = src.fields(at, what, ['configMapKeyRef', 'secretKeyRef'], F.VALUE_FROM_REFUSED);
  const [key, refAt] = [...(f ?? [])][0] ?? [];
  if (!key || !refAt) {
    if (f && src.entries(at, what)?.length === 0)
      src.error(at.pos, `${what} is empty`, 'add configMapKeyRef: {name, key} or secretKeyRef: {name, key}');
    return undefined;
  }
  const ref = src.fields(refAt, `${what}.${key}`, KEY_REF_KEYS);
  const name = ref && src.string(ref.get('name'), `${what}.${key}.name`);
  const entry = ref && src.string(ref.get('key'), `${what}.${key}.key`);
  if (name === undefined || entry === undefined) {
    if (ref) src.error(refAt.pos, `${what}.${key} needs name and key`);
    return undefined;
  }
  const kind = key === 'configMapKeyRef' ? 'ConfigMap' : 'Secret';
  const value = (kind === 'ConfigMap' ? objects.configMaps : objects.secrets).get(name)?.[entry];
  if (value === undefined && src.string(ref!.get('optional'), `${what}.${key}.optional`) !== 'true')
    src.error(
      refAt.pos,
      `${what}: there is no ${kind} "${name}" with key "${entry}" in the files given`,
      `add the ${kind} document to the file (or pass its file to kiln as well)`,
    );
  return value;
}

/** `envFrom: [{configMapRef | secretRef: {name}, prefix}]`: every key of each, prefixed. */
function readEnvFrom(
  src: Source,
  at: At | undefined,
  what: string,
  objects: KubernetesObjects,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of src.list(at, what) ?? []) {
    const f = src.fields(item, `an item of ${what}`, ['configMapRef', 'secretRef', 'prefix']);
    const prefix = src.string(f?.get('prefix'), `${what}[].prefix`) ?? '';
    for (const key of ['configMapRef', 'secretRef'] as const) {
      const refAt = f?.get(key);
      if (!refAt) continue;
      const ref = src.fields(refAt, `${what}[].${key}`, ['name', 'optional']);
      const name = ref && src.string(ref.get('name'), `${what}[].${key}.name`);
      if (name === undefined) continue;
      const kind = key === 'configMapRef' ? 'ConfigMap' : 'Secret';
      const data = (kind === 'ConfigMap' ? objects.configMaps : objects.secrets).get(name);
      if (data) for (const [k, v] of Object.entries(data)) out[`${prefix}${k}`] = v;
      else if (src.string(ref!.get('optional'), `${what}[].${key}.optional`) !== 'true')
        src.error(
          refAt.pos,
          `${what}: there is no ${kind} "${name}" in the files given`,
          `add the ${kind} document to the file`,
        );
    }
  }
  return out;
}

/** `computeResources: {requests, limits}` of a step, a stepTemplate or a run. */
export function readResources(src: Source, at: At | undefined, what: string): ResourceRequirements | undefined {
  if (!at) return undefined;
  const f = src.fields(at, what, ['requests', 'limits']);
  if (!f) return undefined;
  const out: ResourceRequirements = {};
  if (f.has('requests')) out.requests = src.stringMap(f.get('requests'), `${what}.requests`);
  if (f.has('limits')) out.limits = src.stringMap(f.get('limits'), `${what}.limits`);
  return out;
}

// The param declarations of the Tekton export: the Pipeline's, and those of a Task for the params
// its pipeline task gives (types and object properties as Tekton requires them).
import { type ParamSpec, type ParamValue, wholeStarReference } from '../syntax/index.js';
import { clean, type Doc } from './common.js';

export function paramDecl(p: ParamSpec): Doc {
  return clean({
    name: p.name,
    type: p.type,
    properties: p.type === 'object' ? propertiesOf(p.properties, p.default) : undefined,
    description: p.description,
    default: p.default,
  });
}

/** An object param's `properties`, which Tekton requires: its declared keys and its default's, each a string. */
export function propertiesOf(declared: string[] | undefined, value: ParamValue | undefined): Doc | undefined {
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
export function givenDecl(
  name: string,
  value: ParamValue,
  declared: Map<string, ParamSpec>,
  withDefault: boolean,
): Doc {
  const whole = typeof value === 'string' ? wholeStarReference(value) : undefined;
  const source = whole?.kind === 'param' ? declared.get(whole.name) : undefined;
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
export function withOuterKeys(name: string, value: ParamValue, declared: Map<string, ParamSpec>): ParamValue {
  const outer = declared.get(name);
  if (typeof value !== 'object' || Array.isArray(value) || outer?.type !== 'object') return value;
  const keys = Object.keys(propertiesOf(outer.properties, outer.default) ?? {});
  return { ...Object.fromEntries(keys.map((k) => [k, `$(params.${name}.${k})`])), ...value };
}

const typeOf = (v: ParamValue) => (typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'object');

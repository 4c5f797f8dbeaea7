// Param declarations in Kiln syntax: `name: { default, description, type }` (an empty value
// declares a required string param).
import { isMap, isSeq } from 'yaml';
import type { TextReader } from './common.js';
import type { ParamSpec, ParamType, ParamValue } from './model.js';
import type { At } from './yaml-source.js';

const PARAM_KEYS = ['default', 'description', 'type'] as const;
const PARAM_TYPES: readonly ParamType[] = ['string', 'array', 'object'];

export function readKilnParams(reader: TextReader, at: At | undefined, what: string): ParamSpec[] {
  const src = reader.src;
  const out: ParamSpec[] = [];
  for (const e of (at && src.entries(at, what)) ?? []) {
    const spec: ParamSpec = { name: e.key, type: 'string', pos: e.keyPos };
    out.push(spec);
    if (!e.value.node) continue;
    if (!isMap(e.value.node)) {
      src.error(e.value.pos, `${what}.${e.key} must be a mapping`, `write ${e.key}: { default: VALUE }`);
      continue;
    }
    const f = src.fields(e.value, `${what}.${e.key}`, PARAM_KEYS)!;
    const description = src.string(f.get('description'), `${what}.${e.key}.description`);
    if (description !== undefined) spec.description = description;
    const defaultAt = f.get('default');
    const inferred: ParamType = isSeq(defaultAt?.node) ? 'array' : isMap(defaultAt?.node) ? 'object' : 'string';
    spec.type = src.choice(f.get('type'), `${what}.${e.key}.type`, PARAM_TYPES) ?? inferred;
    if (defaultAt?.node) {
      const value: ParamValue | undefined = reader.value(defaultAt, `${what}.${e.key}.default`);
      if (value !== undefined) spec.default = value;
      if (f.has('type') && inferred !== spec.type && !(spec.type === 'array' && inferred === 'string')) {
        src.error(
          defaultAt.pos,
          `${what}.${e.key}: the default is a${inferred === 'array' ? 'n array' : ` ${inferred}`} but type is ${spec.type}`,
          'make the default match the type',
        );
      } else if (spec.type === 'array' && typeof value === 'string') {
        spec.default = value === '' ? [] : value.split(',').map((v) => v.trim());
      }
    }
  }
  return out;
}

export function paramTypes(params: readonly ParamSpec[]): Map<string, ParamType> {
  return new Map(params.map((p) => [p.name, p.type]));
}

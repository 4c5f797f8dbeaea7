// ConfigMap, Secret and projected volume sources (a workspace binding's, a Task's `volumes`) read
// into the files they show: path → text, from the ConfigMaps and Secrets given beside the run.
// The source is kept as written too, for a Pod and for the export.
import type { At, Source } from '../yaml-source.js';
import type { KubernetesObjects } from './kubernetes.js';

export const VOLUME_SOURCE_KEYS = ['configMap', 'secret', 'projected'] as const;

export interface VolumeFiles {
  volume: Record<string, unknown>;
  files: Record<string, string>;
}

const ITEM_KEYS = ['key', 'path', 'mode'];
const CONFIG_MAP_KEYS = ['name', 'items', 'defaultMode', 'optional'];
const SECRET_KEYS = ['secretName', 'items', 'defaultMode', 'optional'];

/** One ConfigMap or Secret's files: every key, or the `items` chosen, at their paths. */
function sourceFiles(
  src: Source,
  at: At,
  what: string,
  kind: 'ConfigMap' | 'Secret',
  nameKey: string,
  objects: KubernetesObjects,
): Record<string, string> | undefined {
  const f = src.fields(at, what, kind === 'ConfigMap' ? CONFIG_MAP_KEYS : [...SECRET_KEYS, 'name']);
  const name = f && src.string(f.get(nameKey) ?? f.get('name'), `${what}.${nameKey}`);
  if (!f || name === undefined) {
    if (f) src.error(at.pos, `${what} names no ${kind}`, `add ${nameKey}: NAME`);
    return undefined;
  }
  const data = (kind === 'ConfigMap' ? objects.configMaps : objects.secrets).get(name);
  if (!data) {
    if (src.string(f.get('optional'), `${what}.optional`) === 'true') return {};
    src.error(
      at.pos,
      `${what}: there is no ${kind} "${name}" in the files given`,
      `add the ${kind} document to the file (or pass its file to kiln as well)`,
    );
    return undefined;
  }
  if (!f.has('items')) return { ...data };
  const out: Record<string, string> = {};
  for (const item of src.list(f.get('items'), `${what}.items`) ?? []) {
    const g = src.fields(item, `${what}.items[]`, ITEM_KEYS);
    const key = g && src.string(g.get('key'), `${what}.items[].key`);
    const path = g && src.string(g.get('path'), `${what}.items[].path`);
    if (key === undefined || path === undefined) continue;
    if (!(key in data)) src.error(item.pos, `${what}: ${kind} "${name}" has no key "${key}"`);
    else out[path] = data[key]!;
  }
  return out;
}

/** The files of a `configMap:`, `secret:` or `projected:` source found in `f`, if any. */
export function readVolumeFiles(
  src: Source,
  f: Map<string, At>,
  what: string,
  objects: KubernetesObjects,
): VolumeFiles | undefined {
  const one = (key: string, at: At, where: string) =>
    key === 'configMap'
      ? sourceFiles(src, at, where, 'ConfigMap', 'name', objects)
      : sourceFiles(src, at, where, 'Secret', key === 'secret' ? 'secretName' : 'name', objects);
  for (const key of ['configMap', 'secret'] as const) {
    const at = f.get(key);
    if (!at) continue;
    const files = one(key, at, `${what}.${key}`);
    return files && { volume: { [key]: at.node?.toJSON() as unknown }, files };
  }
  const projected = f.get('projected');
  if (!projected) return undefined;
  const p = src.fields(projected, `${what}.projected`, ['sources', 'defaultMode']);
  const files: Record<string, string> = {};
  for (const [i, item] of (src.list(p?.get('sources'), `${what}.projected.sources`) ?? []).entries()) {
    const g = src.fields(item, `${what}.projected.sources[${i}]`, ['configMap', 'secret']);
    for (const [key, at] of g ?? []) Object.assign(files, one(key, at, `${what}.projected.sources[${i}].${key}`));
  }
  return { volume: { projected: projected.node?.toJSON() as unknown }, files };
}

// ConfigMap, Secret and projected volume sources (a workspace binding's, a Task's `volumes`) read
// into the files they show: path → text, from the ConfigMaps and Secrets given beside the run.
// The source is kept as written too, for a Pod and for the export.
import type { TaskVolume } from '../model.js';
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

interface PlainSource {
  name?: unknown;
  secretName?: unknown;
  items?: { key?: unknown; path?: unknown }[];
  optional?: unknown;
}

/**
 * A volume whose ConfigMap or Secret a param names, once its source is substituted: the files of
 * the document it names, picked from the candidates read beside the Task. Left without `files` when
 * no such document was given (the runtime then says which); an `optional` one shows no files.
 */
export function resolveVolumeFiles(volume: TaskVolume, source: Record<string, unknown>): TaskVolume {
  const { candidates, ...rest } = volume;
  if (!candidates) return volume;
  const spec = (source.configMap ?? source.secret) as PlainSource | undefined;
  const name = String(spec?.name ?? spec?.secretName ?? '');
  const data = candidates[name];
  if (!data)
    return spec?.optional === true || spec?.optional === 'true' ? { ...rest, source, files: {} } : { ...rest, source };
  if (!Array.isArray(spec?.items)) return { ...rest, source, files: { ...data } };
  const files = spec.items.flatMap((i) => (String(i.key) in data ? [[String(i.path), data[String(i.key)]!]] : []));
  return { ...rest, source, files: Object.fromEntries(files) };
}

/** What a volume's source names, for a message: `ConfigMap "x"`, `Secret "y"`, or its kind. */
export function volumeSourceName(source: Record<string, unknown>): string {
  const spec = (source.configMap ?? source.secret) as PlainSource | undefined;
  if (!spec) return `a ${Object.keys(source)[0] ?? 'volume'} source`;
  return source.configMap ? `ConfigMap "${String(spec.name)}"` : `Secret "${String(spec.secretName ?? spec.name)}"`;
}

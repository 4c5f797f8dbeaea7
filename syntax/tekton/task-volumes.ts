// A Task's `volumes` and its steps' `volumeMounts`, as Tekton reads them: emptyDir, ConfigMap,
// Secret and projected volumes (the latter three from the documents given beside the Task), each
// mounted by name at an absolute path. Volumes that need a node or a cluster are refused.
import type { StepSpec, TaskVolume, VolumeMount } from '../model.js';
import type { TextReader } from '../common.js';
import type { At, Refused, Source } from '../yaml-source.js';
import type { KubernetesObjects } from './kubernetes.js';
import { readVolumeFiles, VOLUME_SOURCE_KEYS } from './volumes.js';

const VOLUME_KEYS = ['name', 'emptyDir', ...VOLUME_SOURCE_KEYS] as const;
const NEEDS_A_NODE =
  'needs a node of a cluster; use an emptyDir volume, or a workspace bound with --workspace NAME=DIR';
const VOLUME_REFUSED: Refused = {
  hostPath: `a hostPath volume ${NEEDS_A_NODE}`,
  persistentVolumeClaim: 'a claim belongs in a workspace: declare a workspace and bind the claim to it',
  csi: `a CSI volume ${NEEDS_A_NODE}`,
  ephemeral: `an ephemeral volume ${NEEDS_A_NODE}`,
  downwardAPI: "a Pod's fields exist only in a cluster; use $(context.*) variables",
};
const EMPTY_DIR_KEYS = ['medium', 'sizeLimit'];
const MOUNT_KEYS = ['name', 'mountPath', 'subPath', 'readOnly'];
/**
 * Tekton keeps /tekton for itself but for /tekton/home, a step's to mount over (Kiln's own /kiln is
 * checked where a Pod is built).
 */
const RESERVED_MOUNTS = ['/tekton'];
const OPEN_MOUNTS = ['/tekton/home'];

export function readTaskVolumes(
  src: Source,
  at: At | undefined,
  what: string,
  objects: KubernetesObjects,
  only?: ReadonlySet<string>,
): TaskVolume[] {
  const out: TaskVolume[] = [];
  for (const item of src.list(at, what) ?? []) {
    if (only && !only.has(nameOf(item))) continue;
    const f = src.fields(item, `an item of ${what}`, VOLUME_KEYS, VOLUME_REFUSED);
    const name = f && src.string(f.get('name'), `${what}[].name`);
    if (f && name === undefined) src.error(item.pos, `an item of ${what} has no name`);
    if (!f || name === undefined) continue;
    const where = `${what}.${name}`;
    if (out.some((v) => v.name === name)) src.error(item.pos, `${where} is declared twice`);
    const kinds = [...f.keys()].filter((k) => k !== 'name');
    // Kubernetes defaults a volume that gives no source to an emptyDir (SetDefaults_Volume).
    if (kinds.length === 0) {
      out.push({ name, source: { emptyDir: {} }, files: {} });
      continue;
    }
    if (kinds.length !== 1) {
      src.error(
        item.pos,
        `${where} gives ${kinds.join(' and ')}`,
        'give one of emptyDir: {}, configMap:, secret: or projected:',
      );
      continue;
    }
    const empty = f.get('emptyDir');
    if (empty) {
      src.fields(empty, `${where}.emptyDir`, EMPTY_DIR_KEYS);
      out.push({ name, source: { emptyDir: {} }, files: {} });
      continue;
    }
    // A ConfigMap or Secret named by a param is known at run time only: kept as written, with the
    // documents of its kind given beside the Task to pick from (resolveVolumeFiles).
    const source = f.get(kinds[0]!)!.node?.toJSON() as unknown;
    if (JSON.stringify(source ?? '').includes('$(')) {
      const given = kinds[0] === 'configMap' ? objects.configMaps : kinds[0] === 'secret' ? objects.secrets : undefined;
      out.push({ name, source: { [kinds[0]!]: source }, ...(given && { candidates: Object.fromEntries(given) }) });
      continue;
    }
    const read = readVolumeFiles(src, f, where, objects);
    if (read) out.push({ name, source: read.volume, files: read.files });
  }
  return out;
}

/** A volume item's name, read quietly (the item is read in full only when wanted). */
function nameOf(item: At): string {
  const node = item.node as { get?: (key: string) => unknown } | null;
  const name = typeof node?.get === 'function' ? node.get('name') : undefined;
  return typeof name === 'string' ? name : '';
}

/** Tekton's `volumeMounts: [{name, mountPath, subPath, readOnly}]`. */
export function readVolumeMounts(reader: TextReader, at: At | undefined, what: string): VolumeMount[] {
  const src = reader.src;
  const out: VolumeMount[] = [];
  for (const item of src.list(at, what) ?? []) {
    const f = src.fields(item, `an item of ${what}`, MOUNT_KEYS);
    const name = f && src.string(f.get('name'), `${what}[].name`);
    const mountPath = f && reader.text(f.get('mountPath'), `${what}[].mountPath`);
    if (f && (name === undefined || mountPath === undefined)) {
      src.error(
        item.pos,
        `an item of ${what} needs name and mountPath`,
        'give name: VOLUME and mountPath: /ABSOLUTE/PATH',
      );
      continue;
    }
    if (!f || name === undefined || mountPath === undefined) continue;
    if (!mountPath.startsWith('/') && !mountPath.startsWith('$('))
      src.error(
        f.get('mountPath')!.pos,
        `${what}.${name}: mountPath "${mountPath}" is not absolute`,
        'give an absolute path',
      );
    const under = (r: string) => mountPath === r || mountPath.startsWith(`${r}/`);
    const reserved = OPEN_MOUNTS.some(under) ? undefined : RESERVED_MOUNTS.find(under);
    if (reserved)
      src.error(
        f.get('mountPath')!.pos,
        `${what}.${name}: mountPath ${mountPath} is under ${reserved}, which is reserved`,
        'mount it elsewhere',
      );
    const mount: VolumeMount = { name, mountPath };
    const subPath = reader.text(f.get('subPath'), `${what}.${name}.subPath`);
    if (subPath) mount.subPath = subPath;
    if (src.string(f.get('readOnly'), `${what}.${name}.readOnly`) === 'true') mount.readOnly = true;
    out.push(mount);
  }
  return out;
}

const WORKSPACE_VOLUME = /^\$\(workspaces\.([\w-]+)\.volume\)$/;

/**
 * Every mount names a volume of the task, or (`$(workspaces.w.volume)`) the volume backing one of
 * its workspaces, which the mount then records (`workspace`).
 */
export function checkVolumeMounts(
  src: Source,
  steps: StepSpec[],
  volumes: TaskVolume[],
  workspaces: { name: string }[],
  what: string,
): void {
  const names = new Set(volumes.map((v) => v.name));
  for (const step of steps) {
    for (const m of step.volumeMounts ?? []) {
      if (names.has(m.name)) continue;
      const workspace = WORKSPACE_VOLUME.exec(m.name)?.[1];
      if (workspace !== undefined && workspaces.some((w) => w.name === workspace)) {
        m.workspace = workspace;
        continue;
      }
      src.error(
        step.pos!,
        `${what}: step "${step.name}" mounts volume "${m.name}", which the Task does not declare`,
        `add it under volumes: (- name: ${m.name}, emptyDir: {})`,
      );
    }
  }
}

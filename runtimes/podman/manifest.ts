// The Pod the Kubernetes pod builder makes, made playable by podman 4.3's `kube play`. Only what
// podman lacks is swapped, each for its nearest equivalent; everything else is the builder's Pod:
//  - Downward API volumes (the ready file, the scripts) and the token Secret: host directories the
//    runtime fills with what the projections would hold (`READY`, each script annotation's text).
//  - Native sidecars (an init container with restartPolicy: Always would block the pod): the log
//    proxy and Tekton's sidecars run as ordinary containers after the steps (a sidecar under the
//    agent, as the pod builder has it); a sidecar's probes are taken out (the runtime runs them:
//    sidecars.ts), and with sidecars the ready file starts empty, the runtime writing the
//    go-ahead once each is ready.
//  - Per-container termination message files: a writable host directory per container at the
//    file's parent (/kiln), read back by the runtime.
//  - A mount's subPath on a hostPath volume (ignored by podman 4.3): a volume of its own.
//  - emptyDirs and workspaces: host directories under the task run's directory (or the bound
//    directory), so nothing is left in podman's volume store and the runtime reads logs and
//    reports in place.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { V1Pod, V1PodSpec, V1Probe, V1Volume } from '@kubernetes/client-node';
import { TERMINATION_PATH } from '../../contract/index.js';
import { ANNOTATIONS, READY_VALUE } from '../kubernetes/index.js';
import { PodmanError } from './errors.js';

/** The pod builder's log proxy container: a native sidecar of Kiln's own, not a Tekton one. */
export const LOG_PROXY = 'kiln-log-proxy';

/** Where a playable Pod keeps its host directories, under the task run's directory. */
export const podDirs = (root: string) => ({
  volume: (name: string) => join(root, 'volumes', name),
  termination: (container: string) => join(root, 'termination', container),
  manifest: join(root, 'pod.yaml'),
});

export interface PlayablePod {
  manifest: V1Pod;
  /** Directories to make; a mode where any uid must write there (a step's termination directory). */
  dirs: { path: string; mode?: number }[];
  /** `key`: the annotation a file holds (dropped from the manifest). */
  files: { path: string; text: string; mode: number; key?: string }[];
  /** The host file the steps' go-ahead is read from (the ready annotation's projection). */
  readyFile?: string;
  /** Tekton's sidecars, in the plan's order: their container and the probes taken out of it. */
  sidecars: { container: string; readinessProbe?: V1Probe; startupProbe?: V1Probe }[];
}

/**
 * `workspaces`: the builder's workspace volume name → host directory. `token`: the run's
 * collector token, in the file the Secret would project.
 */
export function playablePod(pod: V1Pod, root: string, workspaces: Record<string, string>, token?: string): PlayablePod {
  const out = structuredClone(pod);
  const spec = out.spec!;
  const at = podDirs(root);
  const dirs: PlayablePod['dirs'] = [];
  const files: PlayablePod['files'] = [];
  const native = spec.initContainers!.filter((c) => c.restartPolicy === 'Always');
  const held = native.some((c) => c.name !== LOG_PROXY);
  let readyFile: string | undefined;
  const host = (name: string): V1Volume => {
    dirs.push({ path: at.volume(name) });
    return { name, hostPath: { path: at.volume(name), type: 'Directory' } };
  };
  spec.volumes = spec.volumes!.map((v) => {
    if (workspaces[v.name] !== undefined) {
      dirs.push({ path: workspaces[v.name]! });
      return { name: v.name, hostPath: { path: workspaces[v.name]!, type: 'Directory' } };
    }
    if (v.downwardAPI) {
      for (const item of v.downwardAPI.items ?? []) {
        const key = /^metadata\.annotations\['(.+)'\]$/.exec(item.fieldRef?.fieldPath ?? '')?.[1];
        const path = join(at.volume(v.name), item.path);
        if (key === ANNOTATIONS.ready) readyFile = path;
        const ready = held ? '' : READY_VALUE;
        const text = key === ANNOTATIONS.ready ? ready : (pod.metadata?.annotations?.[key ?? ''] ?? '');
        files.push({ path, text, mode: v.downwardAPI.defaultMode ?? 0o444, key });
      }
    }
    if (v.name === 'kiln-token' && token !== undefined)
      files.push({ path: join(at.volume(v.name), 'token'), text: token, mode: 0o440 });
    return host(v.name);
  });
  subPathVolumes(spec, dirs);
  // Delivered as files above; podman 4.3 also refuses annotation values over 63 characters.
  const annotations = out.metadata?.annotations ?? {};
  for (const key of Object.keys(annotations)) if (files.some((f) => f.key === key)) delete annotations[key];
  spec.initContainers = spec.initContainers!.filter((c) => c.restartPolicy !== 'Always');
  const sidecars: PlayablePod['sidecars'] = [];
  spec.containers = [
    ...spec.containers,
    // Its ports too: they only name a probe's port, which the runtime resolves (the Pod has the host's network).
    ...native.map(({ restartPolicy: _, readinessProbe, startupProbe, ports: __, ...c }) => {
      if (c.name !== LOG_PROXY) sidecars.push({ container: c.name, readinessProbe, startupProbe });
      return c;
    }),
  ];
  // Only the agent's message file: an API server defaults every other container's to
  // /dev/termination-log, and a directory mounted over /dev leaves the container without /dev/null.
  for (const c of spec.containers.filter((c) => c.terminationMessagePath === TERMINATION_PATH)) {
    const dir = at.termination(c.name);
    dirs.push({ path: dir, mode: 0o777 });
    spec.volumes.push({ name: `term-${c.name}`, hostPath: { path: dir, type: 'Directory' } });
    c.volumeMounts!.unshift({ name: `term-${c.name}`, mountPath: dirname(c.terminationMessagePath!) });
  }
  return { manifest: out, dirs, files, readyFile, sidecars };
}

/**
 * podman 4.3 mounts a hostPath volume whole, ignoring a mount's subPath: each such mount gets a
 * volume of its own at the subdirectory (made when missing, as the kubelet does).
 */
function subPathVolumes(spec: V1PodSpec, dirs: PlayablePod['dirs']): void {
  let n = 0;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const m of c.volumeMounts ?? []) {
      const host = m.subPath && spec.volumes!.find((v) => v.name === m.name)?.hostPath;
      if (!host) continue;
      const sub = normalize(m.subPath!);
      if (isAbsolute(sub) || sub === '..' || sub.startsWith('../'))
        throw new PodmanError(
          `container ${c.name}: subPath "${m.subPath}" leaves its volume`,
          [],
          '',
          'give a relative path inside the volume',
        );
      const volume = { name: `${m.name}-sub${n++}`, hostPath: { path: join(host.path, sub), type: 'Directory' } };
      dirs.push({ path: volume.hostPath.path });
      spec.volumes!.push(volume);
      m.name = volume.name;
      delete m.subPath;
    }
  }
}

export function writePlayablePod(p: PlayablePod): void {
  for (const dir of p.dirs) {
    mkdirSync(dir.path, { recursive: true });
    if (dir.mode !== undefined) chmodSync(dir.path, dir.mode);
  }
  for (const f of p.files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.text, { mode: f.mode });
    chmodSync(f.path, f.mode);
  }
}

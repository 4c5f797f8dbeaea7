// A Task's `sidecars`, read as Tekton defines them: a container started before the steps, with the
// step fields a container has, and a `startupProbe` then a `readinessProbe` the steps wait for
// (exec, tcpSocket, httpGet).
import type { TextReader } from '../common.js';
import { checkName } from '../common.js';
import type { SidecarSpec } from '../model.js';
import type { At } from '../yaml-source.js';
import * as F from './fields.js';
import { type KubernetesObjects, noKubernetesObjects } from './kubernetes.js';
import { readStepFields } from './readers.js';

export function readSidecars(
  reader: TextReader,
  at: At | undefined,
  what: string,
  objects: KubernetesObjects = noKubernetesObjects(),
): SidecarSpec[] {
  const src = reader.src;
  const out: SidecarSpec[] = [];
  for (const [i, item] of (src.list(at, what) ?? []).entries()) {
    const where = `${what}[${i}]`;
    const f = src.fields(item, where, F.SIDECAR_KEYS, F.SIDECAR_REFUSED);
    if (!f) continue;
    const sidecar: SidecarSpec = { ...readStepFields(reader, f, item, where, objects) };
    sidecar.name = src.string(f.get('name'), `${where}.name`) ?? `sidecar-${i + 1}`;
    if (f.has('name')) checkName(src, sidecar.name, f.get('name')!.pos, 'sidecar name');
    if (out.some((s) => s.name === sidecar.name)) src.error(item.pos, `${what}: "${sidecar.name}" is declared twice`);
    if (sidecar.script !== undefined && sidecar.command !== undefined)
      src.error(f.get('script')!.pos, `${where} has both script and command`, 'keep one');
    if (sidecar.script === undefined && sidecar.command === undefined)
      src.error(
        item.pos,
        `sidecar "${sidecar.name}" has neither command nor script`,
        "Kiln does not look up an image's entrypoint in a registry: add command: [...] or script:",
      );
    for (const kind of ['readinessProbe', 'startupProbe'] as const) {
      const probe = f.get(kind);
      if (!probe) continue;
      const pf = src.fields(probe, `${where}.${kind}`, F.PROBE_KEYS, F.PROBE_REFUSED);
      const kinds = ['exec', 'tcpSocket', 'httpGet'].filter((k) => pf?.has(k));
      if (pf && kinds.length !== 1)
        src.error(probe.pos, `${where}.${kind} needs one of exec, tcpSocket, httpGet`, 'give exactly one');
      if (pf) sidecar[kind] = probe.node?.toJSON() as Record<string, unknown>;
    }
    const ports = f.get('ports');
    if (ports) sidecar.ports = readPorts(reader, ports, `${where}.ports`);
    out.push(sidecar);
  }
  return out;
}

/** Kubernetes' ContainerPorts as written, each checked for what a probe naming one needs. */
function readPorts(reader: TextReader, at: At, where: string): Record<string, unknown>[] {
  const src = reader.src;
  return (src.list(at, where) ?? []).flatMap((item, i) => {
    const f = src.fields(item, `${where}[${i}]`, F.PORT_KEYS, {});
    if (!f) return [];
    const port = f.get('containerPort')?.node?.toJSON() as unknown;
    if (!Number.isInteger(port))
      src.error(item.pos, `${where}[${i}] needs containerPort, a port number`, 'give containerPort: N');
    return [item.node?.toJSON() as Record<string, unknown>];
  });
}

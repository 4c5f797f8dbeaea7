// Kubernetes documents that Tekton's examples keep beside their Tasks and runs: ConfigMaps and
// Secrets (their data is what a configMap/secret workspace, volume or env source reads), claims
// (a PipelineRun binding a claim declared here gets a directory of its own), ServiceAccounts (the
// Secrets a run's account lists give its steps Tekton's credentials: credentials.ts), and
// documents that only matter to a cluster (Role, LimitRange…), accepted and left alone.
import type { Source, At } from '../yaml-source.js';

/** Kinds read for their data. */
const DATA_KINDS = ['ConfigMap', 'Secret'] as const;
/** Kinds accepted beside Tekton documents; a local run has no use for them. */
const CLUSTER_KINDS = [
  'PersistentVolumeClaim',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'LimitRange',
  'ResourceQuota',
  'Namespace',
] as const;
export const KUBERNETES_KINDS: readonly string[] = [...DATA_KINDS, ...CLUSTER_KINDS];

/** A ConfigMap's or Secret's entries, decoded: key → text. */
export type DataDoc = Record<string, string>;

/** What Tekton's credential initialization reads of a Secret besides its data. */
export interface SecretMeta {
  type?: string;
  annotations: Record<string, string>;
}

export interface KubernetesObjects {
  configMaps: Map<string, DataDoc>;
  secrets: Map<string, DataDoc>;
  secretMeta: Map<string, SecretMeta>;
  /** ServiceAccount name → the names of the Secrets it lists (`secrets:`), in order. */
  serviceAccounts: Map<string, string[]>;
  claims: Set<string>;
  /** The ConfigMap and Secret documents as written. */
  documents: Record<string, unknown>[];
}

export const noKubernetesObjects = (): KubernetesObjects => ({
  configMaps: new Map(),
  secrets: new Map(),
  secretMeta: new Map(),
  serviceAccounts: new Map(),
  claims: new Set(),
  documents: [],
});

/** Reads one Kubernetes document into `into`. `f` holds the document's top-level fields. */
export function readKubernetesDocument(
  src: Source,
  kind: string,
  name: string,
  f: Map<string, At>,
  into: KubernetesObjects,
) {
  if (kind === 'PersistentVolumeClaim') into.claims.add(name);
  if (kind === 'ServiceAccount') into.serviceAccounts.set(name, listedSecrets(src, f.get('secrets')));
  if (kind !== 'ConfigMap' && kind !== 'Secret') return;
  const data: DataDoc = {};
  // Secret `data` and ConfigMap `binaryData` are base64; `stringData` and ConfigMap `data` are text.
  const decoded = kind === 'Secret' ? ['data'] : ['binaryData'];
  for (const key of ['data', 'binaryData', 'stringData']) {
    for (const [k, v] of Object.entries(src.stringMap(f.get(key), `${kind} ${name}.${key}`)))
      data[k] = decoded.includes(key) ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
  (kind === 'ConfigMap' ? into.configMaps : into.secrets).set(name, data);
  if (kind === 'Secret') {
    const meta = new Map((src.entries(f.get('metadata')!, 'metadata') ?? []).map((e) => [e.key, e.value]));
    const type = src.string(f.get('type'), `Secret ${name}.type`);
    into.secretMeta.set(name, {
      ...(type !== undefined && { type }),
      annotations: src.stringMap(meta.get('annotations'), `Secret ${name}.metadata.annotations`),
    });
  }
  into.documents.push(src.root().node?.toJSON() as Record<string, unknown>);
}

/** A ServiceAccount's `secrets: [{name}]`, the names in order (an entry without one is passed over, as Tekton does). */
function listedSecrets(src: Source, at: At | undefined): string[] {
  return (src.list(at, 'ServiceAccount secrets') ?? []).flatMap((item) => {
    const name = (src.entries(item, 'ServiceAccount secrets[]') ?? []).find((e) => e.key === 'name')?.value;
    const text = name && src.string(name, 'ServiceAccount secrets[].name');
    return text ? [text] : [];
  });
}

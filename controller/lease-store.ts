// The one coordination.k8s.io/v1 Lease leader election reads and writes, apart from the
// reconciler's client: its own client, not throttled by the shared rate limiter, so a queue of
// Pod creates at --qps never delays a renewal past the lease (kube-controller-manager, too, gives
// leader election a client of its own). Updates carry the resourceVersion they were read at: of
// two candidates writing at once, one meets 409 Conflict and stays a follower.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { KubeApiError } from '../runtimes/kubernetes/index.js';

/** What a Lease says, as client-go's LeaderElectionRecord. Times are epoch milliseconds. */
export interface LeaseRecord {
  holder: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  transitions: number;
}

export interface LeaseStore {
  /** The Lease and the resourceVersion it was read at; undefined when there is none. */
  get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined>;
  /** False when another candidate created it first. */
  create(record: LeaseRecord): Promise<boolean>;
  /** False when it changed since `resourceVersion` (another candidate wrote first). */
  update(record: LeaseRecord, resourceVersion: string): Promise<boolean>;
  /** Where the Lease is, for messages: NAMESPACE/NAME. */
  readonly where: string;
}

const code = (err: unknown) => (err as { code?: number }).code;
const ms = (t: Date | string | undefined) => (t === undefined ? 0 : new Date(t).getTime());

export function kubeLeaseStore(kc: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kc.makeApiClient(CoordinationV1Api);
  const where = `${namespace}/${name}`;
  const body = (r: LeaseRecord, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, resourceVersion },
    spec: {
      holderIdentity: r.holder,
      leaseDurationSeconds: r.leaseDurationSeconds,
      acquireTime: new V1MicroTime(r.acquireTime),
      renewTime: new V1MicroTime(r.renewTime),
      leaseTransitions: r.transitions,
    },
  });
  const fail = (verb: string, err: unknown): never => {
    throw new KubeApiError(
      verb,
      `lease ${where}`,
      code(err),
      err instanceof Error ? err.message.split('\n')[0]! : String(err),
    );
  };
  return {
    where,
    async get() {
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        const s = lease.spec ?? {};
        return {
          resourceVersion: lease.metadata?.resourceVersion ?? '',
          record: {
            holder: s.holderIdentity ?? '',
            leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
            acquireTime: ms(s.acquireTime),
            renewTime: ms(s.renewTime),
            transitions: s.leaseTransitions ?? 0,
          },
        };
      } catch (err) {
        if (code(err) === 404) return undefined;
        return fail('get', err);
      }
    },
    async create(record) {
      try {
        await api.createNamespacedLease({ namespace, body: body(record) });
        return true;
      } catch (err) {
        if (code(err) === 409) return false;
        return fail('create', err);
      }
    },
    async update(record, resourceVersion) {
      try {
        await api.replaceNamespacedLease({ name, namespace, body: body(record, resourceVersion) });
        return true;
      } catch (err) {
        if (code(err) === 409) return false;
        return fail('update', err);
      }
    },
  };
}

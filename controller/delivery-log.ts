// The controller's delivery log: each delivery its webhook endpoint received (accepted with the
// PipelineRun it created, filtered out or refused with the reason) as a TriggerDelivery object in
// the Trigger's namespace. A Kubernetes resource, not the collector's store: it needs no collector
// (the endpoint runs without one), it is durable where the PipelineRuns are (etcd), users read the
// deliveries of their own namespaces with the RBAC they already have (kubectl get ktd, kiln
// triggers deliveries --namespace), and it is removed with the namespace. etcd is not a log store,
// so a namespace keeps the last 1000: every 100 writes, the older ones are deleted (a flood of
// refused deliveries cannot fill it).
import type { DeliveryRecord } from '../triggers/index.js';
import { KILN_API_VERSION } from '../runtimes/kubernetes/index.js';

export const DELIVERY_KIND = 'TriggerDelivery';
export const DELIVERY_PLURAL = 'triggerdeliveries';
/** A namespace keeps the last `keep`; the older ones are deleted every `pruneEvery` writes. */
export const DELIVERY_RETENTION = { keep: 1000, pruneEvery: 100 };
const TRIGGER_LABEL = 'kiln.dev/trigger';

export interface DeliveryResource {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string> };
  spec: DeliveryRecord;
}

/** What the log asks of the API server (controller/hook-kube.ts). */
export interface DeliveryStore {
  createDelivery(namespace: string, d: DeliveryResource): Promise<void>;
  listDeliveries(namespace: string, labelSelector?: string): Promise<DeliveryResource[]>;
  deleteDelivery(namespace: string, name: string): Promise<void>;
}

/** The one order of deliveries, newest first: for the records listed and for the objects pruned. */
const newerFirst = (a: DeliveryRecord, b: DeliveryRecord) =>
  a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0;

/** Newest first. */
export const newestFirst = (list: DeliveryRecord[]) => [...list].sort(newerFirst);

export class DeliveryLog {
  private readonly writes = new Map<string, number>();

  constructor(
    private readonly store: DeliveryStore,
    private readonly log: (line: string) => void,
    private readonly retention = DELIVERY_RETENTION,
  ) {}

  /** Records one delivery; a failed write is logged (the delivery was answered all the same). */
  async record(namespace: string, r: DeliveryRecord): Promise<void> {
    const spec = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== '')) as DeliveryRecord;
    try {
      await this.store.createDelivery(namespace, {
        apiVersion: KILN_API_VERSION,
        kind: DELIVERY_KIND,
        metadata: { generateName: `${r.trigger.slice(0, 52)}-`, namespace, labels: { [TRIGGER_LABEL]: r.trigger } },
        spec,
      });
    } catch (err) {
      return this.log(`delivery ${r.deliveryId}: not recorded in namespace ${namespace}: ${(err as Error).message}`);
    }
    const n = (this.writes.get(namespace) ?? 0) + 1;
    this.writes.set(namespace, n % this.retention.pruneEvery);
    if (n === this.retention.pruneEvery)
      await this.prune(namespace).catch((err: Error) => this.log(`pruning deliveries: ${err.message}`));
  }

  private async prune(namespace: string): Promise<void> {
    const all = await this.store.listDeliveries(namespace);
    const old = all.sort((a, b) => newerFirst(a.spec, b.spec)).slice(this.retention.keep);
    for (const d of old) await this.store.deleteDelivery(namespace, d.metadata.name!);
  }
}

/** The recorded deliveries of a namespace, newest first (`kiln triggers deliveries --namespace`). */
export async function listDeliveries(
  store: DeliveryStore,
  namespace: string,
  o: { trigger?: string; limit: number },
): Promise<DeliveryRecord[]> {
  const list = await store.listDeliveries(namespace, o.trigger ? `${TRIGGER_LABEL}=${o.trigger}` : undefined);
  return newestFirst(list.map((d) => d.spec)).slice(0, o.limit);
}

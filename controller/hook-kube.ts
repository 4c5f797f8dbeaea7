// What the controller's webhook endpoint asks of the API server, apart from the reconciler's
// client: read a Trigger and its Secret, create a PipelineRun (409 = it exists: a redelivery),
// cancel the runs of a concurrency group (spec.status: Cancelled, as a user would), and keep the
// delivery log (TriggerDelivery objects).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { KILN_GROUP, KILN_VERSION, type PipelineRunResource } from '../runtimes/kubernetes/index.js';
import type { TriggerResource } from '../triggers/index.js';
import { DELIVERY_PLURAL, type DeliveryResource, type DeliveryStore } from './delivery-log.js';

export interface HookKube extends DeliveryStore {
  getTrigger(namespace: string, name: string): Promise<TriggerResource | undefined>;
  /** The key's value, or undefined when the Secret or the key is missing. */
  readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined>;
  createPipelineRun(namespace: string, run: PipelineRunResource): Promise<'created' | 'exists'>;
  /** PipelineRuns with the label selector that have not finished. */
  activeRuns(namespace: string, labelSelector: string): Promise<PipelineRunResource[]>;
  cancelRun(namespace: string, name: string): Promise<void>;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const crd = (plural: string) => ({ group: KILN_GROUP, version: KILN_VERSION, plural });
const code = (err: unknown) => (err as { code?: number }).code;

async function or404<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (code(err) === 404) return undefined;
    throw err;
  }
}

const finished = (r: PipelineRunResource) =>
  (r.status?.conditions ?? []).some((c) => c.type === 'Succeeded' && c.status !== 'Unknown');

export function hookKube(kc: KubeConfig): HookKube {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    getTrigger: (namespace, name) =>
      or404(
        () => custom.getNamespacedCustomObject({ ...crd('triggers'), namespace, name }) as Promise<TriggerResource>,
      ),
    async readSecretKey(namespace, name, key) {
      const s = await or404(() => core.readNamespacedSecret({ namespace, name }));
      const b64 = s?.data?.[key];
      return b64 === undefined ? s?.stringData?.[key] : Buffer.from(b64, 'base64').toString('utf8');
    },
    async createPipelineRun(namespace, run) {
      try {
        await custom.createNamespacedCustomObject({ ...crd('pipelineruns'), namespace, body: run });
        return 'created';
      } catch (err) {
        if (code(err) === 409) return 'exists';
        throw err;
      }
    },
    async activeRuns(namespace, labelSelector) {
      const list = (await custom.listNamespacedCustomObject({ ...crd('pipelineruns'), namespace, labelSelector })) as {
        items: PipelineRunResource[];
      };
      return list.items.filter((r) => !finished(r) && r.spec.status !== 'Cancelled');
    },
    async createDelivery(namespace, body) {
      await custom.createNamespacedCustomObject({ ...crd(DELIVERY_PLURAL), namespace, body });
    },
    async listDeliveries(namespace, labelSelector) {
      const list = (await custom.listNamespacedCustomObject({ ...crd(DELIVERY_PLURAL), namespace, labelSelector })) as {
        items: DeliveryResource[];
      };
      return list.items;
    },
    async deleteDelivery(namespace, name) {
      await or404(() => custom.deleteNamespacedCustomObject({ ...crd(DELIVERY_PLURAL), namespace, name }));
    },
    async cancelRun(namespace, name) {
      await custom.patchNamespacedCustomObject(
        { ...crd('pipelineruns'), namespace, name, body: { spec: { status: 'Cancelled' } } },
        MERGE,
      );
    },
  };
}

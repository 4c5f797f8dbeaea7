// The narrow Kubernetes client the controller and the CLI use: the few calls they make, over
// @kubernetes/client-node@1, every one throttled by the shared rate limiter and retried with
// backoff on a transient failure (retry.ts). 409 on create and 404 on delete are answers, not
// errors: they make restarts and retries idempotent. The status is written whole with a JSON
// patch (no merge with a stale copy); finalizers with a merge patch carrying the resourceVersion
// they were computed from, so a stale list meets 409 Conflict instead of overwriting another's.
import {
  CoreV1Api,
  CustomObjectsApi,
  VersionApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { KubeApiError } from './errors.js';
import { KILN_GROUP, KILN_VERSION, PIPELINERUN_PENDING, PIPELINERUN_PLURAL, PIPELINE_PLURAL } from './labels.js';
import { unlimited, type RateLimiter } from './rate-limit.js';
import type { ServerVersion } from './server-version.js';
import { DEFAULT_RETRY, withRetry, type FailureFacts, type RetryOptions } from './retry.js';
import type { PipelineResource, PipelineRunResource, PipelineRunStatusBlock } from './resources.js';

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Opens a watch; calls `onEvent` per event and `onDone` once when it ends. Answers an abort. */
export type WatchFn<T> = (
  resourceVersion: string,
  onEvent: (e: WatchEvent<T>) => void,
  onDone: (err: unknown) => void,
) => Promise<{ abort(): void }>;

export interface KubeClient {
  /** The server's /version: major and minor as it reports them (a minor may carry a '+'). */
  serverVersion(): Promise<ServerVersion>;
  createPod(pod: V1Pod): Promise<'created' | 'exists'>;
  patchPodAnnotations(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  /** False when the Pod was already gone. */
  deletePod(namespace: string, name: string): Promise<boolean>;
  createSecret(secret: V1Secret): Promise<'created' | 'exists'>;
  createClaim(claim: V1PersistentVolumeClaim): Promise<'created' | 'exists'>;
  createPipelineRun(namespace: string, run: PipelineRunResource): Promise<PipelineRunResource>;
  getPipeline(namespace: string, name: string): Promise<PipelineResource | undefined>;
  /** Creates the Pipeline, or replaces the spec of the one of that name when it differs. */
  applyPipeline(namespace: string, pipeline: PipelineResource): Promise<'created' | 'unchanged' | 'replaced'>;
  /** Replaces the whole status (JSON patch `add /status`). */
  writePipelineRunStatus(namespace: string, name: string, status: PipelineRunStatusBlock): Promise<void>;
  /** Sets one status field, leaving the rest (JSON patch `add /status/FIELD`). */
  setPipelineRunStatusField(
    namespace: string,
    name: string,
    field: keyof PipelineRunStatusBlock,
    value: unknown,
  ): Promise<void>;
  /** Sets the finalizers computed from the object at `resourceVersion`; 409 Conflict when it changed since. */
  setPipelineRunFinalizers(
    namespace: string,
    name: string,
    finalizers: string[],
    resourceVersion: string | undefined,
  ): Promise<void>;
  deletePipelineRun(namespace: string, name: string): Promise<boolean>;
  /** Sets spec.status to Cancelled (the run's controller stops it); false when the run was gone. */
  cancelPipelineRun(namespace: string, name: string): Promise<boolean>;
  /** Merges annotations into a PipelineRun's metadata. */
  patchPipelineRunAnnotations(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  /**
   * Clears spec.status if it is still PipelineRunPending (a JSON patch `test` first, so a run
   * cancelled meanwhile stays cancelled); false when the run was gone or no longer pending.
   */
  releasePendingPipelineRun(namespace: string, name: string): Promise<boolean>;
  /** An Event (core/v1) about an object, for `kubectl describe`. */
  createEvent(event: CoreV1Event): Promise<void>;
  listPods(namespace: string | undefined, labelSelector: string): Promise<ListResult<V1Pod>>;
  watchPods(namespace: string | undefined, labelSelector: string): WatchFn<V1Pod>;
  listPipelineRuns(namespace: string | undefined): Promise<ListResult<PipelineRunResource>>;
  watchPipelineRuns(namespace: string | undefined): WatchFn<PipelineRunResource>;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

function failureFacts(err: unknown, generatedName: boolean): FailureFacts {
  const e = err as { code?: unknown; headers?: Record<string, string> };
  const retryAfter = Number(e.headers?.['retry-after']);
  return {
    status: typeof e.code === 'number' ? e.code : undefined,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    generatedName,
  };
}
const crd = (plural: string) => ({ group: KILN_GROUP, version: KILN_VERSION, plural });

export function createKubeClient(
  kc: KubeConfig,
  limiter: RateLimiter = unlimited,
  retry: RetryOptions = DEFAULT_RETRY,
): KubeClient {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const watcher = new Watch(kc);
  const version = kc.makeApiClient(VersionApi);

  async function call<T>(
    verb: string,
    resource: string,
    fn: () => Promise<T>,
    accept: number[] = [],
    generatedName = false,
  ): Promise<T | number> {
    try {
      return await withRetry(
        async () => {
          await limiter.take();
          return fn();
        },
        (err) => failureFacts(err, generatedName),
        retry,
      );
    } catch (err) {
      const status = (err as { code?: number }).code;
      if (typeof status === 'number' && accept.includes(status)) return status;
      throw new KubeApiError(verb, resource, status, apiMessage(err));
    }
  }

  const watchPath =
    <T>(path: string, labelSelector?: string): WatchFn<T> =>
    async (resourceVersion, onEvent, onDone) => {
      await limiter.take();
      // The server ends each watch within 5-10 minutes, as client-go asks: a connection that went
      // silent (a proxy or load balancer dropped it) is then replaced instead of stalling forever.
      const query: Record<string, string | number | boolean> = {
        allowWatchBookmarks: true,
        timeoutSeconds: Math.round(300 * (1 + Math.random())),
      };
      if (resourceVersion) query.resourceVersion = resourceVersion;
      if (labelSelector) query.labelSelector = labelSelector;
      return watcher.watch(path, query, (type, object) => onEvent({ type: type as never, object }), onDone);
    };
  const nsPath = (prefix: string, namespace: string | undefined, plural: string) =>
    `${prefix}${namespace ? `/namespaces/${namespace}` : ''}/${plural}`;
  const crPrefix = `/apis/${KILN_GROUP}/${KILN_VERSION}`;

  async function getPipeline(namespace: string, name: string): Promise<PipelineResource | undefined> {
    const r = await call(
      'get',
      `pipeline ${name}`,
      () => custom.getNamespacedCustomObject({ ...crd(PIPELINE_PLURAL), namespace, name }),
      [404],
    );
    return r === 404 ? undefined : (r as PipelineResource);
  }

  return {
    async serverVersion() {
      return (await call('get', 'version', () => version.getCode())) as ServerVersion;
    },
    async createPod(pod) {
      const r = await call(
        'create',
        `pod ${pod.metadata?.name}`,
        () => core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod }),
        [409],
      );
      return r === 409 ? 'exists' : 'created';
    },
    async patchPodAnnotations(namespace, name, annotations) {
      await call('patch', `pod ${name}`, () =>
        core.patchNamespacedPod({ namespace, name, body: { metadata: { annotations } } }, MERGE),
      );
    },
    async deletePod(namespace, name) {
      const r = await call('delete', `pod ${name}`, () => core.deleteNamespacedPod({ namespace, name }), [404]);
      return r !== 404;
    },
    async createEvent(event) {
      await call('create', `event ${event.metadata?.name}`, () =>
        core.createNamespacedEvent({ namespace: event.metadata!.namespace!, body: event }),
      );
    },
    async createSecret(secret) {
      const r = await call(
        'create',
        `secret ${secret.metadata?.name}`,
        () => core.createNamespacedSecret({ namespace: secret.metadata!.namespace!, body: secret }),
        [409],
      );
      return r === 409 ? 'exists' : 'created';
    },
    async createClaim(claim) {
      const r = await call(
        'create',
        `pvc ${claim.metadata?.name}`,
        () => core.createNamespacedPersistentVolumeClaim({ namespace: claim.metadata!.namespace!, body: claim }),
        [409],
      );
      return r === 409 ? 'exists' : 'created';
    },
    async createPipelineRun(namespace, run) {
      const r = await call(
        'create',
        `pipelinerun ${run.metadata.name ?? run.metadata.generateName}`,
        () => custom.createNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace, body: run }),
        [],
        !run.metadata.name,
      );
      return r as PipelineRunResource;
    },
    getPipeline,
    async applyPipeline(namespace, pipeline) {
      const name = pipeline.metadata.name!;
      const body = { ...pipeline, metadata: { ...pipeline.metadata, namespace } };
      const r = await call(
        'create',
        `pipeline ${name}`,
        () => custom.createNamespacedCustomObject({ ...crd(PIPELINE_PLURAL), namespace, body }),
        [409],
      );
      if (r !== 409) return 'created';
      const existing = await getPipeline(namespace, name);
      if (existing && isDeepStrictEqual(existing.spec, pipeline.spec)) return 'unchanged';
      // Changed in the cluster since it was applied (its name says what it should hold): put it back.
      const replace = [{ op: 'replace', path: '/spec', value: pipeline.spec }];
      await call('patch', `pipeline ${name}`, () =>
        custom.patchNamespacedCustomObject({ ...crd(PIPELINE_PLURAL), namespace, name, body: replace }, JSON_PATCH),
      );
      return 'replaced';
    },
    async writePipelineRunStatus(namespace, name, status) {
      const body = [{ op: 'add', path: '/status', value: status }];
      await call('patch', `pipelinerun ${name}/status`, () =>
        custom.patchNamespacedCustomObjectStatus({ ...crd(PIPELINERUN_PLURAL), namespace, name, body }, JSON_PATCH),
      );
    },
    async setPipelineRunStatusField(namespace, name, field, value) {
      const body = [{ op: 'add', path: `/status/${field}`, value }];
      await call('patch', `pipelinerun ${name}/status`, () =>
        custom.patchNamespacedCustomObjectStatus({ ...crd(PIPELINERUN_PLURAL), namespace, name, body }, JSON_PATCH),
      );
    },
    async setPipelineRunFinalizers(namespace, name, finalizers, resourceVersion) {
      const body = { metadata: { finalizers, ...(resourceVersion && { resourceVersion }) } };
      await call('patch', `pipelinerun ${name}`, () =>
        custom.patchNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace, name, body }, MERGE),
      );
    },
    async deletePipelineRun(namespace, name) {
      const r = await call(
        'delete',
        `pipelinerun ${name}`,
        () => custom.deleteNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace, name }),
        [404],
      );
      return r !== 404;
    },
    async cancelPipelineRun(namespace, name) {
      const body = { spec: { status: 'Cancelled' } };
      const r = await call(
        'patch',
        `pipelinerun ${name}`,
        () => custom.patchNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace, name, body }, MERGE),
        [404],
      );
      return r !== 404;
    },
    async patchPipelineRunAnnotations(namespace, name, annotations) {
      const body = { metadata: { annotations } };
      await call('patch', `pipelinerun ${name}`, () =>
        custom.patchNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace, name, body }, MERGE),
      );
    },
    async releasePendingPipelineRun(namespace, name) {
      const body = [
        { op: 'test', path: '/spec/status', value: PIPELINERUN_PENDING },
        { op: 'remove', path: '/spec/status' },
      ];
      // 422 (the real API server) or 400 (the test's): the test op failed, the run is no longer pending.
      const r = await call(
        'patch',
        `pipelinerun ${name}`,
        () => custom.patchNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace, name, body }, JSON_PATCH),
        [400, 404, 422],
      );
      return typeof r !== 'number';
    },
    async listPods(namespace, labelSelector) {
      const r = await call('list', 'pods', () =>
        namespace
          ? core.listNamespacedPod({ namespace, labelSelector })
          : core.listPodForAllNamespaces({ labelSelector }),
      );
      return r as ListResult<V1Pod>;
    },
    watchPods: (namespace, labelSelector) => watchPath<V1Pod>(nsPath('/api/v1', namespace, 'pods'), labelSelector),
    async listPipelineRuns(namespace) {
      const r = await call('list', 'pipelineruns', () =>
        namespace
          ? custom.listNamespacedCustomObject({ ...crd(PIPELINERUN_PLURAL), namespace })
          : custom.listClusterCustomObject({ ...crd(PIPELINERUN_PLURAL) }),
      );
      return r as ListResult<PipelineRunResource>;
    },
    watchPipelineRuns: (namespace) => watchPath<PipelineRunResource>(nsPath(crPrefix, namespace, PIPELINERUN_PLURAL)),
  };
}

function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 300);
    } catch {
      return body.slice(0, 300);
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

// The test node: registers a Node, binds every unscheduled Pod to itself (it is the only node, so
// it is the scheduler too), runs the Pods bound to it through a player, and writes their status as
// a kubelet would (kubelet-rules.ts). It honours activeDeadlineSeconds (Failed, DeadlineExceeded)
// and graceful deletion: a Pod with a deletionTimestamp gets SIGTERM, SIGKILL after its grace
// period, then the node deletes it for good (grace 0, guarded by its UID), as a kubelet does.
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { Informer } from '../../controller/informer.js';
import { podStatus, type PodFacts } from './kubelet-rules.js';
import type { PlayedPod, Player } from './player.js';

interface Tracked {
  played: PlayedPod;
  uid: string;
  facts?: PodFacts;
  failure?: PodFacts['podFailure'];
  writing?: Promise<void>;
  dirty: boolean;
  deadline?: NodeJS.Timeout;
  deleting: boolean;
}

export interface TestNodeOptions {
  kc: KubeConfig;
  name: string;
  player: Player;
  log(line: string): void;
}

export class TestNode {
  private readonly core: CoreV1Api;
  private readonly pods = new Map<string, Tracked>();
  private readonly binding = new Set<string>();
  private informer?: Informer<V1Pod>;

  constructor(private readonly o: TestNodeOptions) {
    this.core = o.kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    await this.register();
    const watcher = new Watch(this.o.kc);
    this.informer = new Informer<V1Pod>(
      () => this.core.listPodForAllNamespaces(),
      async (rv, onEvent, onDone) =>
        watcher.watch(
          '/api/v1/pods',
          { allowWatchBookmarks: true, ...(rv && { resourceVersion: rv }) },
          (type, object) => onEvent({ type: type as never, object }),
          onDone,
        ),
      {
        upsert: (pod) => void this.changed(pod).catch((err: Error) => this.o.log(`${key(pod)}: ${err.message}`)),
        remove: (pod) => this.gone(pod),
        error: (err) => this.o.log(`pod watch: ${(err as Error).message ?? err}`),
      },
    );
    await this.informer.start();
  }

  /** Stops watching; running Pods are killed at once and removed (the node is going away). */
  async stop(): Promise<void> {
    this.informer?.stop();
    await Promise.all(
      [...this.pods.values()].map(async (t) => {
        clearTimeout(t.deadline);
        await t.played.kill(0);
        await t.played.remove();
      }),
    );
  }

  private async register(): Promise<void> {
    const capacity = { cpu: '64', memory: '256Gi', pods: '1000', 'ephemeral-storage': '100Gi' };
    const status = {
      capacity,
      allocatable: capacity,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kiln test node',
          lastHeartbeatTime: new Date(),
        },
      ],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'kiln-test-node',
        kubeProxyVersion: '',
        bootID: '',
        machineID: '',
        systemUUID: '',
        containerRuntimeVersion: 'podman',
        kernelVersion: '',
        osImage: '',
      },
    };
    await this.core
      .createNode({ body: { metadata: { name: this.o.name, labels: { 'kubernetes.io/hostname': this.o.name } } } })
      .catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });
    await this.core.patchNodeStatus({ name: this.o.name, body: { status } }, mergePatch);
  }

  private async changed(pod: V1Pod): Promise<void> {
    const k = key(pod);
    if (!pod.spec?.nodeName) {
      if (pod.metadata?.deletionTimestamp || this.binding.has(k)) return;
      this.binding.add(k);
      await this.core
        .createNamespacedPodBinding({
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: { metadata: { name: pod.metadata!.name! }, target: { kind: 'Node', name: this.o.name } },
        })
        .catch((err: { code?: number }) => {
          // The scheduler retries a binding the server could not take (an overloaded server's 504).
          if (transient(err.code)) setTimeout(() => void this.changed(pod).catch(() => {}), RETRY_MS);
          throw err;
        })
        .finally(() => this.binding.delete(k));
      return;
    }
    if (pod.spec.nodeName !== this.o.name) return;
    let t = this.pods.get(k);
    if (t && t.uid !== pod.metadata!.uid) {
      // A new Pod under an old name: the old one is gone from the server already.
      this.pods.delete(k);
      await t.played.kill(0);
      await t.played.remove();
      t = undefined;
    }
    if (!t) {
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
        // Nothing of it runs here (a node restarted): a deleted one is released at once.
        if (pod.metadata?.deletionTimestamp) await this.release(pod);
        return;
      }
      t = this.track(pod);
    }
    t.played.updated(pod);
    if (pod.metadata?.deletionTimestamp && !t.deleting) await this.terminate(pod, t);
  }

  private track(pod: V1Pod): Tracked {
    const k = key(pod);
    const t: Tracked = { uid: pod.metadata!.uid!, dirty: false, deleting: false } as Tracked;
    this.pods.set(k, t);
    t.played = this.o.player.play(pod, {
      secret: async (name) => {
        const s = await this.core
          .readNamespacedSecret({ name, namespace: pod.metadata!.namespace! })
          .catch((err: { code?: number }) => {
            if (err.code === 404) return undefined;
            throw err;
          });
        if (!s) return undefined;
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k2, v]) => [k2, Buffer.from(v, 'base64').toString()]),
        );
      },
      report: (facts) => {
        t.facts = facts;
        this.writeStatus(pod, t);
      },
      warn: (m) => this.o.log(m),
    });
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline !== undefined) {
      t.deadline = setTimeout(() => {
        t.failure = {
          reason: 'DeadlineExceeded',
          message: 'Pod was active on the node longer than the specified deadline',
        };
        void t.played.kill(pod.spec?.terminationGracePeriodSeconds ?? 30);
      }, deadline * 1000);
    }
    return t;
  }

  /** Graceful deletion: the containers get the Pod's grace period, then the Pod goes for good. */
  private async terminate(pod: V1Pod, t: Tracked): Promise<void> {
    t.deleting = true;
    clearTimeout(t.deadline);
    await t.played.kill(pod.metadata?.deletionGracePeriodSeconds ?? 30);
    await t.writing;
    await t.played.remove();
    this.pods.delete(key(pod));
    await this.release(pod);
  }

  private async release(pod: V1Pod): Promise<void> {
    await this.core
      .deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      })
      .catch((err: { code?: number }) => {
        if (err.code !== 404 && err.code !== 409) throw err;
      });
  }

  private gone(pod: V1Pod): void {
    const t = this.pods.get(key(pod));
    if (!t || t.uid !== pod.metadata?.uid) return;
    this.pods.delete(key(pod));
    clearTimeout(t.deadline);
    void t.played.kill(0).then(() => t.played.remove());
  }

  /** One status write in flight per Pod, always with the newest facts. */
  private writeStatus(pod: V1Pod, t: Tracked): void {
    t.dirty = true;
    if (t.writing) return;
    t.writing = (async () => {
      while (t.dirty) {
        t.dirty = false;
        const status = podStatus(pod, { ...t.facts!, podFailure: t.failure });
        await this.core
          .patchNamespacedPodStatus(
            { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
            mergePatch,
          )
          .catch(async (err: { code?: number; message?: string }) => {
            if (err.code === 404) return;
            this.o.log(`${key(pod)}: status: ${err.message}`);
            // As a kubelet does: a status the server could not take is written again, or the
            // Pod's steps would never be seen to end.
            if (!transient(err.code)) return;
            t.dirty = true;
            await new Promise((r) => setTimeout(r, RETRY_MS));
          });
      }
      t.writing = undefined;
    })();
  }
}

const RETRY_MS = 500;
/** No answer, 429 or a server error: worth another try. */
const transient = (code: number | undefined) => code === undefined || code === 429 || code >= 500;
const key = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

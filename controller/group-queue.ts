// Per-group concurrency on Kubernetes: the webhook endpoint creates every run of a concurrency
// group with spec.status PipelineRunPending (Tekton's word for a run that must not start yet); the
// reconciler releases the group's oldest pending run once none of the group is going on. The one
// deciding is the reconciler (one leader), on its informer's view: two workers looking at two
// pending runs of a group both pick the same oldest one, and releasing it twice is one release (a
// JSON patch that tests the value first). A pending run shows it: its Succeeded condition is
// Unknown with the reason PipelineRunPending, an Event Queued says which group it waits in, and
// the collector holds its record with the status Queued (`kiln runs --status queued`, the web UI).
import { PIPELINERUN_PENDING, type KubeClient, type PipelineRunResource } from '../runtimes/kubernetes/index.js';
import type { RunEvents } from './run-events.js';
import { keyOf } from './run-key.js';
import { finishedStatus } from './run-status.js';

export const GROUP_KEYS = {
  /** Label: the group's hash (a label value holds any group once hashed). */
  group: 'kiln.dev/concurrency-group',
  /** Annotation: when the delivery came (milliseconds), the order of the queue. */
  receivedAt: 'kiln.dev/received-at',
} as const;

export const isPending = (r: PipelineRunResource) => r.spec?.status === PIPELINERUN_PENDING;
export const groupOf = (r: PipelineRunResource) => r.metadata.labels?.[GROUP_KEYS.group];

/** Arrival order: the delivery's time, then the object's creation, then the name. */
const orderKey = (r: PipelineRunResource) =>
  `${r.metadata.annotations?.[GROUP_KEYS.receivedAt] ?? ''}|${String(r.metadata.creationTimestamp ?? '')}|${r.metadata.name}`;

/** The run of a group that may start now: none while one of the group is going on, else the oldest pending. */
export function nextOfGroup(runs: PipelineRunResource[]): PipelineRunResource | undefined {
  if (runs.some((r) => !isPending(r) && !finishedStatus(r) && !r.status?.archived)) return undefined;
  return runs.filter(isPending).sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1))[0];
}

export class GroupQueue {
  constructor(
    private readonly o: {
      client: KubeClient;
      events: RunEvents;
      /** The informer's runs of a namespace. */
      runs: (namespace: string) => PipelineRunResource[];
      now: () => number;
      /** Writes the run's Queued record at the collector (absent without one). */
      queuedRecord?: (run: PipelineRunResource, at: string) => Promise<void>;
      log: (line: string) => void;
    },
  ) {}

  /** Runs of a group seen no longer holding its slot (finished or archived), until they go. */
  private readonly done = new Set<string>();

  /**
   * The pending runs to look at again after a watch event of `run`: its group's, once `run` stops
   * holding the group's slot — it finished, was archived, or went. Any other event of a grouped run
   * (its status patches above all) frees nothing, so it costs no copy of the cache and no re-queue.
   */
  freedBy(run: PipelineRunResource, o: { removed?: boolean } = {}): PipelineRunResource[] {
    const group = groupOf(run);
    if (!group) return [];
    const key = keyOf(run.metadata.namespace!, run.metadata.name!);
    if (o.removed) this.done.delete(key);
    else if (isPending(run) || (!finishedStatus(run) && !run.status?.archived) || this.done.has(key)) return [];
    else this.done.add(key);
    return this.o.runs(run.metadata.namespace!).filter((r) => groupOf(r) === group && isPending(r));
  }

  /** A pending run: shown as queued once; released when it is its group's turn. */
  async pending(run: PipelineRunResource): Promise<void> {
    const { namespace, name } = run.metadata as { namespace: string; name: string };
    const group = groupOf(run);
    const groupText = run.metadata.annotations?.[GROUP_KEYS.group] ?? group;
    if (run.status?.conditions?.[0]?.reason !== PIPELINERUN_PENDING) {
      const message = group
        ? `queued in concurrency group ${JSON.stringify(groupText)}: starts when the group's earlier runs have ended`
        : 'pending: starts when spec.status PipelineRunPending is removed';
      const at = new Date(this.o.now()).toISOString();
      await this.o.client.writePipelineRunStatus(namespace, name, {
        conditions: [
          { type: 'Succeeded', status: 'Unknown', reason: PIPELINERUN_PENDING, message, lastTransitionTime: at },
        ],
      });
      this.o.events.emit(run, 'Normal', 'Queued', message);
      // Information, like the Event: a collector that is down does not hold the queue up.
      await this.o.queuedRecord?.(run, at).catch((err: Error) => this.o.log(`${name}: Queued record: ${err.message}`));
    }
    if (!group) return;
    const next = nextOfGroup(this.o.runs(namespace).filter((r) => groupOf(r) === group));
    if (next?.metadata.name === name) await this.o.client.releasePendingPipelineRun(namespace, name);
  }
}

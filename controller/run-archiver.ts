// The end of a PipelineRun's life at the controller: a finished run's record archived at the
// collector (again from its status when the driver could not, e.g. after a restart), its Pods deleted
// once the collector keeps their logs, the run marked archived and its finalizer released; the
// PipelineRun itself deleted after archiveGraceMs when asked. A run refused before it started ends
// here too: its status says why.
import type { V1Pod } from '@kubernetes/client-node';
import type { KilnError } from '../contract/index.js';
import { runClaims } from '../collector/index.js';
import { collectorRunId, FINALIZER, type KubeClient, type PipelineRunResource } from '../runtimes/kubernetes/index.js';
import type { RunForgeStatus } from './forge-status.js';
import type { ControllerCollector } from './run-collector.js';
import type { RunEvents } from './run-events.js';
import { recordFromStatus } from './run-status.js';

export interface RunArchiverDeps {
  client: KubeClient;
  collector?: ControllerCollector;
  /** How long an archived PipelineRun stays before it is deleted; absent: never. */
  archiveGraceMs?: number;
  events: RunEvents;
  /** The informer's copy of a run (its finalizers may have changed since). */
  current(ns: string, name: string): PipelineRunResource | undefined;
  /** The Pods the controller watches (Kiln's). */
  pods(): V1Pod[];
  now(): number;
  /** Reconcile `run` again in `ms`. */
  later(run: PipelineRunResource, ms: number): void;
  log(line: string): void;
}

export class RunArchiver {
  constructor(private readonly d: RunArchiverDeps) {}

  /** A finished run whose record has not reached the collector (e.g. the controller restarted). */
  async archive(run: PipelineRunResource): Promise<void> {
    const { namespace: ns, name, uid } = run.metadata as { namespace: string; name: string; uid: string };
    const record = recordFromStatus(run, collectorRunId(ns, name, uid));
    if (record && this.d.collector)
      await this.d.collector.archive(record, this.d.collector.tokenFor(runClaims(record, run.metadata.namespace)));
    await this.markArchived(run);
  }

  /** Deletes the run's Pods (when a collector keeps their logs), marks the run archived, releases the finalizer. */
  async markArchived(run: PipelineRunResource): Promise<void> {
    const { namespace: ns, name, uid } = run.metadata as { namespace: string; name: string; uid: string };
    if (this.d.collector) {
      const pods = this.d.pods().filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === uid));
      for (const p of pods) await this.d.client.deletePod(ns, p.metadata!.name!);
    }
    await this.d.client.setPipelineRunStatusField(ns, name, 'archived', true);
    if (this.d.collector && !run.status?.archived)
      this.d.events.emit(
        run,
        'Normal',
        'Archived',
        `run record stored at the collector as ${collectorRunId(ns, name, uid)}; its Pods deleted`,
      );
    await this.releaseFinalizer(run);
  }

  private async releaseFinalizer(run: PipelineRunResource): Promise<void> {
    const current = this.d.current(run.metadata.namespace!, run.metadata.name!) ?? run;
    const finalizers = current.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) {
      await this.d.client.setPipelineRunFinalizers(
        run.metadata.namespace!,
        run.metadata.name!,
        finalizers.filter((f) => f !== FINALIZER),
        current.metadata.resourceVersion,
      );
    }
  }

  async afterArchive(run: PipelineRunResource, deleting: boolean): Promise<void> {
    await this.releaseFinalizer(run);
    if (deleting || this.d.archiveGraceMs === undefined) return;
    const grace = this.d.archiveGraceMs;
    const finishedAt =
      Date.parse(run.status?.completionTime ?? run.metadata.creationTimestamp?.toString() ?? '') || this.d.now();
    const due = finishedAt + grace - this.d.now();
    if (due <= 0) await this.d.client.deletePipelineRun(run.metadata.namespace!, run.metadata.name!);
    else this.d.later(run, due);
  }

  /** A run that cannot start: its status says why; nothing ran, so nothing is archived. */
  async refuse(run: PipelineRunResource, err: KilnError, forge?: RunForgeStatus): Promise<void> {
    const now = new Date(this.d.now()).toISOString();
    this.d.log(`${run.metadata.name}: ${err.message}`);
    this.d.events.emit(run, 'Warning', 'InvalidPipelineRun', err.message);
    const pipeline = run.spec.pipelineRef?.name ?? run.metadata.name!;
    await forge?.failedBeforeStart({
      id: run.metadata.name!,
      name: pipeline,
      status: 'Failed',
      reason: 'InvalidPipelineRun',
      startedAt: now,
      finishedAt: now,
      params: run.spec.params ?? {},
      tasks: [],
      engine: 'kubernetes',
    });
    await this.d.client.writePipelineRunStatus(run.metadata.namespace!, run.metadata.name!, {
      conditions: [
        {
          type: 'Succeeded',
          status: 'False',
          reason: 'InvalidPipelineRun',
          message: err.message,
          lastTransitionTime: now,
        },
      ],
      startTime: now,
      completionTime: now,
      archived: true,
    });
    await this.releaseFinalizer(run);
  }
}

// Events on PipelineRuns, for `kubectl describe kpr NAME`: the run started, a task failed, the run
// ended (Succeeded, or Warning with its reason), its record was archived. Each is one core/v1 Event
// create through the controller's rate-limited client; one that fails is logged and dropped, never
// retried at the run's expense (an Event is information, as client-go's recorder treats it).
import type { RunRecord } from '../contract/index.js';
import { KILN_API_VERSION, type KubeClient, type PipelineRunResource } from '../runtimes/kubernetes/index.js';

export type EventType = 'Normal' | 'Warning';

const FAILED = new Set(['Failed', 'TimedOut']);

export class RunEvents {
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  emit(run: PipelineRunResource, type: EventType, reason: string, message: string): void {
    const { namespace, name, uid } = run.metadata as { namespace: string; name: string; uid: string };
    const at = new Date(this.now()).toISOString();
    // client-go's naming: the object's name and a unique suffix (here the time and a sequence).
    const suffix = (this.now() * 1000 + (this.seq++ % 1000)).toString(16);
    void this.client
      .createEvent({
        metadata: { name: `${name}.${suffix}`, namespace },
        involvedObject: { apiVersion: KILN_API_VERSION, kind: 'PipelineRun', namespace, name, uid },
        type,
        reason,
        message,
        source: { component: 'kiln-controller' },
        reportingComponent: 'kiln.dev/controller',
        reportingInstance: 'kiln-controller',
        firstTimestamp: at as unknown as Date,
        lastTimestamp: at as unknown as Date,
        count: 1,
      })
      .catch((err: Error) => this.log(`${name}: event ${reason}: ${err.message}`));
  }

  /** What a run's record says each time it changes: a task newly failed, the run ended. */
  tracker(run: PipelineRunResource): (record: RunRecord) => void {
    const failed = new Set<string>();
    let ended = false;
    return (record) => {
      for (const t of record.tasks) {
        const key = t.taskRun ?? t.name;
        if (!FAILED.has(t.status) || failed.has(key)) continue;
        failed.add(key);
        this.emit(run, 'Warning', 'TaskFailed', `task ${t.name} ${t.status}${t.reason ? `: ${t.reason}` : ''}`);
      }
      if (ended || record.status === 'Running' || record.status === 'Queued') return;
      ended = true;
      const ok = record.status === 'Succeeded';
      const why = record.reason && record.reason !== record.status ? `: ${record.reason}` : '';
      this.emit(run, ok ? 'Normal' : 'Warning', record.status, `pipeline ${record.name} ${record.status}${why}`);
    };
  }
}

// The driver's calls to its RunReporter: one at a time and in order, so the collector sees the
// record move forward. A record is whole, so an update still waiting behind a call in flight is
// replaced by a newer one instead of queued after it, and is built only when it is sent: a burst of
// events (a chain of quick steps, a wide fan-out finishing) costs one PATCH, not one per event.
// The finish replaces a waiting update too: the last task's end and the run's came as one event,
// and sent one after the other they were two PATCHes at the end of every run.
import type { RunRecord, RunReporter } from '../contract/index.js';

type Kind = 'runStarted' | 'runUpdated' | 'runFinished';

export class ReportQueue {
  private waiting: { kind: Kind; record: () => RunRecord }[] = [];
  private sending: Promise<void> | undefined;

  constructor(
    private reporter: RunReporter,
    private warn: (message: string) => void,
  ) {}

  /** Queues a call; `record` is read when the call is made (an update waiting behind another is dropped for it). */
  send(kind: Kind, record: () => RunRecord): void {
    const last = this.waiting.at(-1);
    if (kind !== 'runStarted' && last?.kind === 'runUpdated') Object.assign(last, { kind, record });
    else this.waiting.push({ kind, record });
    this.sending ??= this.drain();
  }

  /** Resolves once every queued call has been made. */
  idle(): Promise<void> {
    return this.sending ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    // Started on the next microtask: the events of one turn of the loop share one update.
    await Promise.resolve();
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      try {
        await this.reporter[next.kind](next.record());
      } catch (err) {
        this.warn(`reporter: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.sending = undefined;
  }
}

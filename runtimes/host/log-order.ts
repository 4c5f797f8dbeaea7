// A pipeline run's logs reach the collector task by task. A task run is reported ended while its
// logs are still being shipped (ObservedTaskRun.logsPending), so its dependents start at once; a
// task run that starts meanwhile holds its own shipping (HostCommand `holdLogs`) until every task
// run that was pending then has delivered. The collector lists a run's steps in the order their
// streams first came: a dependent's lines never come before those of the task it waited for.
export class LogOrder {
  /** Task runs whose steps have ended, their logs not yet delivered. */
  private pending = new Set<string>();
  /** Task runs holding their shipping: what each still waits for, and how to let it ship. */
  private held = new Map<string, { waitsFor: Set<string>; release: () => void }>();

  /** A task run starts: whether it must hold its shipping (release is called when it may ship). */
  holdFor(taskRun: string, release: () => void): boolean {
    if (this.pending.size === 0) return false;
    this.held.set(taskRun, { waitsFor: new Set(this.pending), release });
    return true;
  }

  /** The task run's steps have all ended; its logs are on their way. */
  stepsDone(taskRun: string): void {
    this.pending.add(taskRun);
  }

  /** The task run's shipping has ended (delivered, or given up): those it held back may ship. */
  delivered(taskRun: string): void {
    this.pending.delete(taskRun);
    this.held.delete(taskRun);
    for (const [name, h] of this.held) {
      h.waitsFor.delete(taskRun);
      if (h.waitsFor.size > 0) continue;
      this.held.delete(name);
      h.release();
    }
  }
}

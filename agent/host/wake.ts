// The host runner's log shipping sleeps until a spool changes or a step ends. A step's end must
// never be lost: when the shipping is not waiting at that moment, the wake is kept for its next
// wait. A waiter that a change settled leaves at once; one left behind would make a later step's
// end look awaited, the wake would not be kept, and the shipping would sleep until its safety poll
// (a task run's end reported 250 ms late, in one of two node-app runs).
export class Wake {
  private waiters = new Set<() => void>();
  private kept = false;

  /** Resolves on `change` or on the next wake(), whichever comes first (at once for a kept wake). */
  changeOr(change: Promise<void>): Promise<void> {
    if (this.kept) {
      this.kept = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      void change.then(wake, wake);
    });
  }

  wake(): void {
    if (this.waiters.size === 0) this.kept = true;
    for (const wake of [...this.waiters]) wake();
  }
}

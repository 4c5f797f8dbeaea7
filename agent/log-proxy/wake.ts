// What the log shipping sleeps on between reads: a change (a spool written, a post file, a step's
// end in kiln-agent host) or its idle wait running out. A change must never be lost: one that
// comes while the shipping is busy, not waiting, is kept for its next wait, which then returns at
// once. (Dropped, it left the shipping asleep until its idle wait ran out: a task run's end was
// reported 250 ms late in one of two node-app runs, where kiln-agent host's poll is 250 ms.)
export class Wake {
  private waiters = new Set<() => void>();
  private kept = false;

  /** Resolves on the next wake() or after `ms`; at once for a wake kept while nothing waited. */
  wait(ms: number): Promise<void> {
    if (this.kept) {
      this.kept = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  wake(): void {
    if (this.waiters.size === 0) this.kept = true;
    for (const done of [...this.waiters]) done();
  }
}

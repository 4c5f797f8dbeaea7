// A keyed work queue like client-go's: a key waits in the queue at most once, is processed by one
// worker at a time, and a key re-added while it is being processed runs again afterwards.

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly workers: number,
    private readonly process: (key: string) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
  ) {
    if (!(workers >= 1)) throw new RangeError(`workers must be at least 1 (got ${workers})`);
  }

  add(key: string): void {
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.running < this.workers) {
      const i = this.queue.findIndex((k) => !this.active.has(k));
      if (i === -1) break;
      const [key] = this.queue.splice(i, 1);
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      void this.process(key)
        .catch((err) => this.onError(key, err))
        .finally(() => {
          this.running--;
          this.active.delete(key);
          if (this.dirty.delete(key)) this.add(key);
          this.pump();
          if (this.running === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }
}

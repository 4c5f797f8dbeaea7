// kiln serve's run queue: accepted deliveries run in arrival order, at most maxConcurrent at once,
// and one at a time per concurrency group. A new entry of a group whose trigger says
// cancelInProgress cancels the group's older entries, queued or running. The entries live in
// ServeStore, so a restart picks up what was queued.
import type { ServeStore, QueueEntry } from './serve-store.js';

export interface QueueHooks {
  /** A new entry: its record says Queued. */
  queued(entry: QueueEntry): Promise<void>;
  /** Runs the entry to its end; `signal` aborts it (superseded, or kiln serve stopping). */
  run(entry: QueueEntry, signal: AbortSignal): Promise<void>;
  /** An entry superseded by run `by` before it started: its record says Cancelled. */
  superseded(entry: QueueEntry, by: string): Promise<void>;
  /** Whether the entry's trigger cancels older runs of its group. */
  cancelsInProgress(entry: QueueEntry): boolean;
  /** A failure the queue cannot hand to anyone (a record not written): logged, the queue goes on. */
  onError(entry: QueueEntry, err: unknown): void;
}

/** Why a superseded run was aborted: the driver's signal carries it to the run's record. */
export class Superseded extends Error {
  constructor(readonly by: string) {
    super(`superseded by run ${by}`);
  }
}

export class RunQueue {
  private readonly pending: QueueEntry[] = [];
  private readonly running = new Map<string, { entry: QueueEntry; abort: AbortController; done: Promise<void> }>();
  private idleWaiters: (() => void)[] = [];
  private closing = false;

  constructor(
    private readonly store: ServeStore,
    private readonly maxConcurrent: number,
    private readonly hooks: QueueHooks,
  ) {}

  /** At start: entries left queued run; those left running died with the last kiln serve (their records say so). */
  resume(): { resumed: number; interrupted: number } {
    let interrupted = 0;
    for (const e of this.store.entries()) {
      if (e.state === 'running') {
        this.store.remove(e.runId);
        interrupted++;
      } else this.pending.push(e);
    }
    this.pump();
    return { resumed: this.pending.length + this.running.size, interrupted };
  }

  /** An entry ServeStore has just committed. */
  async add(entry: QueueEntry): Promise<void> {
    await this.hooks.queued(entry).catch((err: unknown) => this.hooks.onError(entry, err));
    if (entry.group !== undefined && this.hooks.cancelsInProgress(entry)) this.supersede(entry);
    this.pending.push(entry);
    this.pump();
  }

  private supersede(by: QueueEntry): void {
    for (const older of this.pending.filter((e) => e.group === by.group)) {
      this.pending.splice(this.pending.indexOf(older), 1);
      this.store.remove(older.runId);
      void this.hooks.superseded(older, by.runId).catch((err: unknown) => this.hooks.onError(older, err));
    }
    for (const r of this.running.values()) if (r.entry.group === by.group) r.abort.abort(new Superseded(by.runId));
  }

  private pump(): void {
    if (this.closing) return;
    const busyGroups = new Set([...this.running.values()].map((r) => r.entry.group).filter((g) => g !== undefined));
    for (let i = 0; i < this.pending.length && this.running.size < this.maxConcurrent;) {
      const entry = this.pending[i]!;
      if (entry.group !== undefined && busyGroups.has(entry.group)) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      if (entry.group !== undefined) busyGroups.add(entry.group);
      this.start(entry);
    }
    if (this.running.size === 0 && this.pending.length === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private start(entry: QueueEntry): void {
    this.store.setState(entry.runId, 'running');
    const abort = new AbortController();
    const done = this.hooks
      .run(entry, abort.signal)
      .catch((err: unknown) => this.hooks.onError(entry, err))
      .finally(() => {
        this.running.delete(entry.runId);
        // A run cut short by kiln serve stopping stays in the queue: the next start reports it.
        if (!this.closing) this.store.remove(entry.runId);
        this.pump();
      });
    this.running.set(entry.runId, { entry, abort, done });
  }

  get counts(): { queued: number; running: number } {
    return { queued: this.pending.length, running: this.running.size };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops starting runs, cancels the running ones and waits for them; queued entries stay stored. */
  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.running.values()) r.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

// Ingest before following. Sending lines to followers costs the collector per byte and per
// follower (200 followers of a busy run: ~3 GB of socket writes for 100 000 lines), on the same
// event loop that stores the lines. While lines are being ingested, followers' writes may take at
// most `share` of the loop's time; a follower over the budget waits, and then reads on from the
// store where it stopped (nothing is buffered for it, nothing is skipped). With no ingest going
// on, followers write as fast as they read, so they catch up once a flood ends.
// Pure: the clock and the timers are injected.

export interface BudgetClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

const realClock: BudgetClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
};

export interface FollowBudgetOptions {
  /** The fraction of the event loop followers may use while ingest goes on. */
  share?: number;
  /** Time (ms) followers may spend at once before the share applies. */
  burstMs?: number;
  /** Ingest counts as going on for this long (ms) after a batch. */
  activeMs?: number;
}

export class FollowBudget {
  private readonly share: number;
  private readonly burstMs: number;
  private readonly activeMs: number;
  private tokens: number;
  private refilledAt: number;
  private lastIngest = -Infinity;
  private waiters: (() => void)[] = [];
  private timerSet = false;

  constructor(
    o: FollowBudgetOptions = {},
    private readonly clock: BudgetClock = realClock,
  ) {
    this.share = o.share ?? 0.05;
    this.burstMs = o.burstMs ?? 20;
    this.activeMs = o.activeMs ?? 250;
    this.tokens = this.burstMs;
    this.refilledAt = clock.now();
  }

  /** A batch was ingested. */
  ingested(): void {
    this.lastIngest = this.clock.now();
  }

  /**
   * Resolves when a follower may write its next page (at once when it may now). The followers
   * woken together all write (the next wait is longer for it): held back one by one, they would
   * drift apart in the log and no longer share reads and encodings.
   */
  async turn(): Promise<void> {
    if (this.mustWait()) await new Promise<void>((resolve) => this.wait(resolve));
  }

  /** A follower spent `ms` writing (counted only while ingest goes on). */
  spent(ms: number): void {
    if (!this.ingesting()) return;
    this.refill();
    this.tokens -= ms;
  }

  private ingesting(): boolean {
    return this.clock.now() - this.lastIngest <= this.activeMs;
  }

  private mustWait(): boolean {
    if (!this.ingesting()) {
      this.tokens = this.burstMs;
      return false;
    }
    this.refill();
    return this.tokens < 0;
  }

  private refill(): void {
    const t = this.clock.now();
    this.tokens = Math.min(this.burstMs, this.tokens + (t - this.refilledAt) * this.share);
    this.refilledAt = t;
  }

  /** One timer for every waiting follower. */
  private wait(resolve: () => void): void {
    this.waiters.push(resolve);
    this.arm();
  }

  private arm(): void {
    if (this.timerSet) return;
    this.timerSet = true;
    // Until the budget is back, but looking again at least as often as ingest would stop counting
    // as going on: a flood that stopped meanwhile releases them sooner.
    const ms = Math.max(1, Math.min(-this.tokens / this.share, this.activeMs));
    this.clock.setTimeout(() => {
      this.timerSet = false;
      if (this.mustWait()) return this.arm();
      const woken = this.waiters;
      this.waiters = [];
      for (const w of woken) w();
    }, ms);
  }
}

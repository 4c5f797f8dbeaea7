// Lease leader election, client-go's algorithm: of the controllers sharing one Lease, only the
// holder reconciles; the others retry every retryPeriod and take the Lease once its holder has not
// renewed it for leaseDuration. Expiry is timed on this process's clock from when the candidate
// last saw the Lease change (never from the holder's renewTime), so clock skew between replicas
// cannot shorten a lease. A leader that cannot renew within renewDeadline (< leaseDuration) gives
// up before anyone else may take over: two leaders never act at once.
import type { LeaseRecord, LeaseStore } from './lease-store.js';

export interface LeaderElectionOptions {
  store: LeaseStore;
  /** Unique per process: the Lease's holderIdentity. */
  identity: string;
  /** How long a Lease stays valid after its last renewal (default 15 s, like client-go). */
  leaseDurationMs: number;
  /** How long a leader keeps trying to renew before it gives up (default 10 s). */
  renewDeadlineMs: number;
  /** How often a candidate tries to acquire and a leader renews (default 2 s). */
  retryPeriodMs: number;
  log?: (line: string) => void;
}

export const LEASE_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export class LeaderElector {
  private observed?: LeaseRecord;
  /** Local time when `observed` last changed. */
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private wake = () => {};
  private readonly log: (line: string) => void;

  constructor(private readonly o: LeaderElectionOptions) {
    this.log = o.log ?? (() => {});
  }

  /**
   * Resolves once this process holds the Lease (false if stopped before), then renews it in the
   * background; `onLost` is called once if a renewal does not succeed within renewDeadline.
   */
  async lead(onLost: (why: string) => void): Promise<boolean> {
    let waitingFor: string | undefined;
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) break;
      const holder = this.observed?.holder;
      if (holder && holder !== waitingFor) this.log(`waiting for the lease ${this.o.store.where}, held by ${holder}`);
      waitingFor = holder;
      await this.sleep(jittered(this.o.retryPeriodMs));
    }
    if (this.stopped) return false;
    this.leading = true;
    this.log(`became the leader (lease ${this.o.store.where}, identity ${this.o.identity})`);
    void this.renewLoop(onLost);
    return true;
  }

  /** Stops renewing; a leader stopping cleanly hands the Lease back so a successor need not wait it out. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake();
    if (!release || !this.leading) return;
    this.leading = false;
    const current = await this.o.store.get().catch(() => undefined);
    if (current?.record.holder !== this.o.identity) return;
    const now = Date.now();
    await this.o.store
      .update({ ...current.record, holder: '', leaseDurationSeconds: 1, renewTime: now }, current.resourceVersion)
      .catch((err: unknown) => this.log(`releasing the lease: ${message(err)}`));
  }

  private async renewLoop(onLost: (why: string) => void): Promise<void> {
    let lastRenew = Date.now();
    while (!this.stopped) {
      await this.sleep(this.o.retryPeriodMs);
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew();
      const now = Date.now();
      if (ok) lastRenew = now;
      else if (now - lastRenew >= this.o.renewDeadlineMs) {
        this.leading = false;
        this.stopped = true;
        const holder = this.observed?.holder;
        return onLost(
          `could not renew the lease ${this.o.store.where} for ${this.o.renewDeadlineMs / 1000}s${holder && holder !== this.o.identity ? ` (now held by ${holder})` : ''}`,
        );
      }
    }
  }

  /** One attempt: take the Lease if it is free or expired, renew it if it is ours. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const mine = (acquireTime: number, transitions: number): LeaseRecord => ({
      holder: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime,
      renewTime: now,
      transitions,
    });
    try {
      const current = await this.o.store.get();
      if (!current) {
        const record = mine(now, 0);
        return this.observe(record, now, await this.o.store.create(record));
      }
      const { record, resourceVersion } = current;
      if (!this.observed || record.holder !== this.observed.holder || record.renewTime !== this.observed.renewTime) {
        this.observed = record;
        this.observedAt = now;
      }
      const ours = record.holder === this.o.identity;
      if (record.holder && !ours && this.observedAt + record.leaseDurationSeconds * 1000 > now) return false;
      const next = ours ? mine(record.acquireTime, record.transitions) : mine(now, record.transitions + 1);
      return this.observe(next, now, await this.o.store.update(next, resourceVersion));
    } catch (err) {
      this.log(`lease ${this.o.store.where}: ${message(err)}`);
      return false;
    }
  }

  private observe(record: LeaseRecord, now: number, written: boolean): boolean {
    if (written) {
      this.observed = record;
      this.observedAt = now;
    }
    return written;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}

/** client-go's jitter: up to 20 % more, so candidates started together do not poll in step. */
const jittered = (ms: number) => ms * (1 + 0.2 * Math.random());
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

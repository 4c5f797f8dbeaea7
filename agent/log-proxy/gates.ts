// The spool's gates (contract spoolGateFile): the proxy lets each step's spool grow to its acked
// offset plus the limit (-spool_limit), so when the collector is away the entrypoint holds the
// step's output back instead of filling the disk. Chosen over dropping lines: a step that waits
// loses nothing, and its timeout still bounds the wait; a dropped line would be gone for good.
// Says so on stderr when a step is held and when it flows again; lifts every gate when it exits,
// so a step that outlives a proxy that gave up is not held for nothing.

/** What of the proxy's I/O the gates use (core.ts's ProxyIO has it all). */
export interface GateIO {
  setGate?(stepIndex: number, size: number | null): Promise<void>;
  spoolSize?(stepIndex: number): Promise<number>;
  spoolName(stepIndex: number): string;
  warn(message: string): void;
  /** Present when the proxy ships: a spool nothing ships has no gate. */
  send?: unknown;
}

interface Position {
  offset: number;
  eof: boolean;
}

export class SpoolGates {
  private readonly held = new Set<number>();
  private readonly unwritable = new Set<number>();

  constructor(
    private readonly io: GateIO,
    private readonly steps: string[],
    /** Bytes of a step's spool not yet acked at most; absent: no gate. */
    private readonly limit: number | undefined,
  ) {}

  private get active(): boolean {
    return !!this.limit && !!this.io.setGate && !!this.io.send;
  }

  /** Moves step i's gate to its acked offset plus the limit. */
  async ack(i: number, p: Position): Promise<void> {
    if (!this.active) return;
    await this.set(i, p.eof ? null : p.offset + this.limit!);
    if (this.held.delete(i)) this.io.warn(`step ${i} (${this.steps[i]}): lines acked again; its output flows`);
  }

  /** After a failed send: says which steps' output is now held back at their gate. */
  async check(pos: Position[], lastError: string | undefined): Promise<void> {
    if (!this.active || !this.io.spoolSize) return;
    for (let i = 0; i < pos.length; i++) {
      if (pos[i].eof || this.held.has(i)) continue;
      const size = await this.io.spoolSize(i);
      if (size < pos[i].offset + this.limit!) continue;
      this.held.add(i);
      this.io.warn(
        `step ${i} (${this.steps[i]}): ${size - pos[i].offset} bytes of ${this.io.spoolName(i)} not acked, ` +
          `its limit (-spool_limit ${this.limit}); the step's output is held back until the collector acks` +
          (lastError ? ` (last error: ${lastError})` : ''),
      );
    }
  }

  /** Lifts every gate (the proxy is exiting). */
  async liftAll(): Promise<void> {
    if (!this.active) return;
    for (let i = 0; i < this.steps.length; i++) await this.set(i, null);
  }

  private async set(i: number, size: number | null): Promise<void> {
    try {
      await this.io.setGate!(i, size);
      this.unwritable.delete(i);
    } catch (err) {
      // The old gate stays: the step may be held longer, never lose a line. Said once, retried on the next ack.
      if (!this.unwritable.has(i))
        this.io.warn(`cannot move step ${i}'s spool gate (${(err as Error).message}); retrying with the next ack`);
      this.unwritable.add(i);
    }
  }
}

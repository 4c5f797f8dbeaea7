// The client side of following a log (GET …/logs?follow=1), shared by `kiln logs -f` and the web
// UI: splitting the event stream into events, and when to reconnect after a cut. Pure and free of
// Node and DOM APIs, so the browser bundle takes it as it is.

export interface SseEvent {
  event: string;
  data: string;
  /** The `id` field: where a reconnect resumes (Last-Event-ID). */
  id?: string;
}

/** The complete events at the front of `buffer` (they end with a blank line); `rest` awaits more. */
export function takeSseEvents(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  let rest = buffer;
  for (let cut = rest.indexOf('\n\n'); cut >= 0; cut = rest.indexOf('\n\n')) {
    const ev: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    for (const line of rest.slice(0, cut).split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // a comment (`: keep-alive`) or not a field
      const value = line.slice(colon + 1).replace(/^ /, '');
      const field = line.slice(0, colon);
      if (field === 'event') ev.event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') ev.id = value;
    }
    ev.data = data.join('\n');
    events.push(ev);
    rest = rest.slice(cut + 2);
  }
  return { events, rest };
}

/**
 * When to try again after a follow stream was cut: backoff from 250 ms doubling to 2 s, and give
 * up once there has been no working connection for `giveUpAfterMs`.
 */
export class ReconnectPolicy {
  private brokenSince: number | null = null;
  private delayMs = 250;

  constructor(
    private readonly giveUpAfterMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  connected(): void {
    this.brokenSince = null;
    this.delayMs = 250;
  }

  /** How long to wait before the next attempt, or null: give up. */
  failed(): number | null {
    this.brokenSince ??= this.now();
    if (this.now() - this.brokenSince > this.giveUpAfterMs) return null;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, 2000);
    return delay;
  }
}

/**
 * A follower's memory of what it has shown: a resumed follow may repeat lines of a page that was
 * torn, and each step's lines come in seq order, so a line at or below a step's last seq is seen.
 */
export class SeenLines {
  private last = new Map<string, number>();

  /** True the first time a line is offered. */
  isNew(line: { task: string; step: string; seq: number }): boolean {
    const key = `${line.task}\u0000${line.step}`;
    if ((this.last.get(key) ?? -1) >= line.seq) return false;
    this.last.set(key, line.seq);
    return true;
  }
}

// Fake time for engine tests: timers fire only when the test advances the clock, so a pipeline
// with hour-long timeouts runs in microseconds and deterministically.
import type { Clock } from '../../engine/index.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, fn: () => void): () => void {
    const timer = { at, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /**
   * Lets `promise` settle, moving time forward from timer to timer whenever nothing else can
   * happen. Throws when nothing is pending and the promise is still unsettled (a deadlock).
   */
  async run<T>(promise: Promise<T>, maxSteps = 100_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    let idle = 0;
    for (let i = 0; i < maxSteps; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return promise;
      const next = this.timers.reduce<Timer | undefined>(
        (a, b) => (!a || b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a),
        undefined,
      );
      if (!next) {
        // Async work (a reporter's promise chain) may still be settling: give it some turns.
        if (++idle > 1000) throw new Error('deadlock: the promise is unsettled and no timer is pending');
        continue;
      }
      idle = 0;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    throw new Error(`still unsettled after ${maxSteps} steps`);
  }
}

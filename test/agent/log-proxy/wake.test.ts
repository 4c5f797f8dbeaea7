// What the log shipping sleeps on (agent/log-proxy/wake.ts): no change may be lost, whatever came
// before it, and a wait left by a wake leaves no timer behind.
import { describe, expect, it } from 'vitest';
import { Wake } from '../../../agent/log-proxy/wake.js';

const LONG = 60_000;
/** Whether `p` has settled once the queued callbacks have run. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe("the log shipping's wake", () => {
  it('ends a wait on a wake, and on its time running out', async () => {
    const w = new Wake();
    const woken = w.wait(LONG);
    w.wake();
    expect(await settled(woken)).toBe(true);
    await w.wait(1); // runs out: the test would time out otherwise
  });

  it('keeps a wake that came while nothing waited for the next wait, once', async () => {
    const w = new Wake();
    w.wake();
    expect(await settled(w.wait(LONG))).toBe(true);
    expect(await settled(w.wait(LONG))).toBe(false);
  });

  it('keeps a wake that came after a wait ran out (the waiter left with it)', async () => {
    const w = new Wake();
    await w.wait(1);
    // Busy now, not waiting: this wake must be kept for the next wait.
    w.wake();
    expect(await settled(w.wait(LONG))).toBe(true);
  });
});

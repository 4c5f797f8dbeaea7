// The host runner's log shipping waits for a spool change or a step's end (agent/host/wake.ts):
// no step end may be lost, whatever came before it.
import { describe, expect, it } from 'vitest';
import { Wake } from '../../agent/host/wake.js';

const never = () => new Promise<void>(() => undefined);
/** Whether `p` has settled once the queued callbacks have run. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('the shipping wake', () => {
  it('resolves a wait on a step end, and on a change', async () => {
    const w = new Wake();
    const byEnd = w.changeOr(never());
    w.wake();
    expect(await settled(byEnd)).toBe(true);
    expect(await settled(w.changeOr(Promise.resolve()))).toBe(true);
  });

  it('keeps a step end that came while nothing waited for the next wait, once', async () => {
    const w = new Wake();
    w.wake();
    expect(await settled(w.changeOr(never()))).toBe(true);
    expect(await settled(w.changeOr(never()))).toBe(false);
  });

  it('keeps a step end that came after a change ended the wait (the waiter left with it)', async () => {
    const w = new Wake();
    expect(await settled(w.changeOr(Promise.resolve()))).toBe(true);
    // The shipping is busy now, not waiting: this end must be kept for its next wait.
    w.wake();
    expect(await settled(w.changeOr(never()))).toBe(true);
  });
});

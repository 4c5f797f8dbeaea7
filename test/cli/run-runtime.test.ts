// withFirstStart: kiln run starts its embedded collector once the first task run has its go-ahead
// (the start settled), at once when no task run was started, and at the latest after a bound.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withFirstStart } from '../../cli/run-runtime.js';
import type { Runtime, TaskRunPlan } from '../../engine/index.js';

/** A runtime whose starts settle when the test says. */
function runtimeOfHand() {
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const calls: string[] = [];
  const runtime: Runtime = {
    kind: 'fake',
    start: (plan) => {
      calls.push(`start ${plan.name}`);
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
    onUpdate: () => calls.push('onUpdate'),
    cancel: async (name, reason) => void calls.push(`cancel ${name} ${reason}`),
    cleanup: async (run) => void calls.push(`cleanup ${run}`),
  };
  return { runtime, pending, calls };
}

const plan = (name: string) => ({ name }) as TaskRunPlan;

/** Whether the promise has settled after the microtasks queued now have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

afterEach(() => vi.useRealTimers());

describe('withFirstStart', () => {
  it('resolves at once when no task run was started', async () => {
    const { runtime } = runtimeOfHand();
    expect(await settled(withFirstStart(runtime).firstStarted())).toBe(true);
  });

  it('waits for the first start to settle, not for later ones', async () => {
    const { runtime, pending } = runtimeOfHand();
    const gate = withFirstStart(runtime);
    void gate.runtime.start(plan('a'));
    void gate.runtime.start(plan('b'));
    const first = gate.firstStarted();
    expect(await settled(first)).toBe(false);
    pending[0]!.resolve();
    expect(await settled(first)).toBe(true);
  });

  it('resolves when the first start fails, which the engine still sees', async () => {
    const { runtime, pending } = runtimeOfHand();
    const gate = withFirstStart(runtime);
    const started = gate.runtime.start(plan('a'));
    pending[0]!.reject(new Error('no directory'));
    await expect(started).rejects.toThrow('no directory');
    expect(await settled(gate.firstStarted())).toBe(true);
  });

  it('does not wait past its bound for a start held up (sidecars getting ready)', async () => {
    vi.useFakeTimers();
    const { runtime } = runtimeOfHand();
    const gate = withFirstStart(runtime);
    void gate.runtime.start(plan('a'));
    const first = gate.firstStarted();
    await vi.advanceTimersByTimeAsync(299);
    expect(await settled(first)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(first)).toBe(true);
  });

  it('passes everything else to the runtime', async () => {
    const { runtime, calls } = runtimeOfHand();
    const gate = withFirstStart(runtime);
    gate.runtime.onUpdate(() => undefined);
    await gate.runtime.cancel('a', 'Cancelled');
    await gate.runtime.cleanup('run');
    expect(gate.runtime.kind).toBe('fake');
    expect(calls).toEqual(['onUpdate', 'cancel a Cancelled', 'cleanup run']);
  });
});

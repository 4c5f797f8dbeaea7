// kiln run's heartbeat: the latest record is sent again every period while the run goes on, in
// order with the driver's own reports, and never after the run has finished.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { heartbeating } from '../../cli/heartbeat.js';
import { RUN_LABELS, type RunRecord, type RunReporter } from '../../contract/index.js';
import { runRecord } from '../../testkit/store-fixtures.js';

beforeEach(() => vi.useFakeTimers({ now: new Date('2026-03-01T00:00:00Z') }));
afterEach(() => vi.useRealTimers());

function recorder() {
  const sent: { call: string; status: string; beat?: string }[] = [];
  const log = (call: string) => async (r: RunRecord) => {
    sent.push({ call, status: r.status, beat: r.labels?.[RUN_LABELS.heartbeat] });
  };
  const reporter: RunReporter = { runStarted: log('start'), runUpdated: log('update'), runFinished: log('finish') };
  return { sent, reporter };
}

describe('heartbeating', () => {
  it('resends the latest record every period, stamped, until the run finishes', async () => {
    const { sent, reporter } = recorder();
    const r = heartbeating(reporter, 1000);
    await r.runStarted(runRecord('r1'));
    await vi.advanceTimersByTimeAsync(2000);
    await r.runUpdated(runRecord('r1', { reason: 'later' }));
    await vi.advanceTimersByTimeAsync(1000);
    await r.runFinished(runRecord('r1', { status: 'Succeeded' }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual([
      { call: 'start', status: 'Running', beat: '2026-03-01T00:00:00.000Z' },
      { call: 'update', status: 'Running', beat: '2026-03-01T00:00:01.000Z' },
      { call: 'update', status: 'Running', beat: '2026-03-01T00:00:02.000Z' },
      { call: 'update', status: 'Running', beat: '2026-03-01T00:00:02.000Z' },
      { call: 'update', status: 'Running', beat: '2026-03-01T00:00:03.000Z' },
      { call: 'finish', status: 'Succeeded', beat: '2026-03-01T00:00:03.000Z' },
    ]);
  });

  it('queues a beat behind a slow report, so no older record lands after a newer one', async () => {
    const order: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((ok) => (release = ok));
    const reporter: RunReporter = {
      runStarted: async () => void order.push('start'),
      runUpdated: async (x) => {
        if (x.reason === 'slow') await slow;
        order.push(`update:${x.reason ?? 'beat'}`);
      },
      runFinished: async () => void order.push('finish'),
    };
    const r = heartbeating(reporter, 1000);
    await r.runStarted(runRecord('r1'));
    const pending = r.runUpdated(runRecord('r1', { reason: 'slow' }));
    await vi.advanceTimersByTimeAsync(1000); // a beat of the slow record waits behind it
    const finished = r.runFinished(runRecord('r1', { status: 'Succeeded' }));
    release();
    await pending;
    await finished;
    expect(order).toEqual(['start', 'update:slow', 'update:slow', 'finish']);
  });
});

// The driver's reporter calls: in order, one at a time, and an update waiting behind a slow call
// is replaced by a newer one (read when sent) or by the finish, never sent after it.
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/index.js';
import { ReportQueue } from '../../engine/report-queue.js';

const rec = (id: string) => ({ id }) as unknown as RunRecord;

describe('ReportQueue', () => {
  it('sends the newest waiting update once, after the call in flight, and the finish last', async () => {
    const sent: string[] = [];
    let release!: () => void;
    const inFlight = new Promise<void>((done) => (release = done));
    const queue = new ReportQueue(
      {
        runStarted: (r) => void sent.push(`started ${r.id}`),
        runUpdated: async (r) => {
          sent.push(`updated ${r.id}`);
          if (r.id === 'u1') await inFlight;
        },
        runFinished: (r) => void sent.push(`finished ${r.id}`),
      },
      () => undefined,
    );
    queue.send('runStarted', () => rec('s'));
    queue.send('runUpdated', () => rec('u1'));
    await new Promise((done) => setImmediate(done));
    expect(sent).toEqual(['started s', 'updated u1']);
    let built = 0;
    for (const id of ['u2', 'u3', 'u4']) queue.send('runUpdated', () => (built++, rec(id)));
    release();
    await new Promise((done) => setImmediate(done));
    queue.send('runFinished', () => rec('f'));
    await queue.idle();
    expect(sent).toEqual(['started s', 'updated u1', 'updated u4', 'finished f']);
    expect(built).toBe(1);
  });

  it('sends the finish in place of an update still waiting, never the update after it', async () => {
    const sent: string[] = [];
    let release!: () => void;
    const inFlight = new Promise<void>((done) => (release = done));
    const queue = new ReportQueue(
      {
        runStarted: async (r) => {
          sent.push(`started ${r.id}`);
          await inFlight;
        },
        runUpdated: (r) => void sent.push(`updated ${r.id}`),
        runFinished: (r) => void sent.push(`finished ${r.id}`),
      },
      () => undefined,
    );
    queue.send('runStarted', () => rec('s'));
    queue.send('runUpdated', () => rec('u1'));
    queue.send('runFinished', () => rec('f'));
    release();
    await queue.idle();
    expect(sent).toEqual(['started s', 'finished f']);
  });

  it('goes on after a call that fails, and says so', async () => {
    const warnings: string[] = [];
    const sent: string[] = [];
    const queue = new ReportQueue(
      {
        runStarted: () => Promise.reject(new Error('collector down')),
        runUpdated: (r) => void sent.push(r.id),
        runFinished: (r) => void sent.push(r.id),
      },
      (w) => warnings.push(w),
    );
    queue.send('runStarted', () => rec('s'));
    queue.send('runUpdated', () => rec('u'));
    queue.send('runFinished', () => rec('f'));
    await queue.idle();
    expect(warnings).toEqual(['reporter: collector down']);
    expect(sent).toEqual(['f']);
  });
});

// Ingest before following: the budget's arithmetic on a fake clock, and over HTTP, followers held
// back by a tiny budget while a flood is ingested still get every line once, in order, and the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/index.js';
import { FollowBudget, type BudgetClock } from '../../collector/follow-budget.js';
import { takeSseEvents } from '../../collector/follow-client.js';
import type { Store } from '../../collector/store/types.js';
import { LogBatch, PROTOBUF_MEDIA_TYPE } from '../../contract/log-wire/index.js';
import { runRecord, sqliteFixture, testClaims, type StoreFixture } from '../../testkit/store-fixtures.js';

class FakeClock implements BudgetClock {
  t = 0;
  timers: { at: number; fn: () => void }[] = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => this.timers.push({ at: this.t + ms, fn });
  /** Moves time on, firing the timers due. */
  advance(ms: number) {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.fn();
  }
}

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('follow budget', () => {
  it('lets followers write freely while nothing is ingested', async () => {
    const clock = new FakeClock();
    const b = new FollowBudget({ share: 0.1, burstMs: 10, activeMs: 100 }, clock);
    b.spent(1000);
    expect(await settled(b.turn())).toBe(true);
  });

  it('holds followers over their share while ingest goes on, and frees them when it stops', async () => {
    const clock = new FakeClock();
    const b = new FollowBudget({ share: 0.1, burstMs: 10, activeMs: 100 }, clock);
    b.ingested();
    b.spent(5);
    expect(await settled(b.turn())).toBe(true); // within the burst
    b.spent(10); // 5 ms over: 50 ms at a tenth
    const first = b.turn();
    const second = b.turn();
    expect(await settled(first)).toBe(false);
    clock.advance(20);
    b.ingested();
    expect(await settled(first)).toBe(false);
    clock.advance(30);
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
    // Far over, but the flood stops: released once ingest no longer counts as going on.
    b.ingested();
    b.spent(10_000);
    const third = b.turn();
    clock.advance(70);
    b.ingested(); // the flood goes on a while
    clock.advance(31);
    expect(await settled(third)).toBe(false); // looked again at 100 ms: still over, still ingesting
    clock.advance(100);
    expect(await settled(third)).toBe(true); // the last batch 130 ms ago: released
  });
});

describe('followers held back by the budget', () => {
  let fx: StoreFixture;
  let store: Store;
  let c: RunningCollector;
  let dir: string;
  beforeAll(async () => {
    fx = sqliteFixture();
    store = await fx.open();
    dir = mkdtempSync(join(tmpdir(), 'kiln-budget-'));
    c = await startCollector({ db: store, stateDir: dir, limits: { followShare: 0.001 } });
  });
  afterAll(async () => {
    await c?.close();
    await store?.close();
    await fx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One raw SSE follower: the (step, seq) of every line event, in the order received, until `end`. */
  function follow(run: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const req = request(`${c.url}/v1/runs/${run}/logs?follow=1`, {
        headers: { authorization: `Bearer ${c.readerToken}` },
      });
      req.on('response', (res) => {
        const seen: string[] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          const { events, rest } = takeSseEvents(buffer + d);
          buffer = rest;
          for (const e of events) {
            if (e.event === 'line') {
              const l = JSON.parse(e.data) as { step: string; seq: number };
              seen.push(`${l.step}:${l.seq}`);
            }
            if (e.event === 'end') resolve(seen);
            if (e.event === 'error') reject(new Error(e.data));
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('gives each of them every line once, in order', async () => {
    const run = 'flood';
    const token = c.mintRunToken(testClaims(run));
    const send = async (path: string, body: Uint8Array | string, type: string) => {
      const res = await undiciRequest(`${c.url}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBeLessThan(300);
      await res.body.dump();
    };
    await send('/v1/runs', JSON.stringify(runRecord(run)), 'application/json');
    const followers = Array.from({ length: 20 }, () => follow(run));
    const LINES = 20_000;
    const BATCH = 500;
    for (let from = 0; from < LINES; from += BATCH) {
      // Two steps written alternately, so each follower follows two positions.
      for (const step of ['a', 'b']) {
        const body = LogBatch.encode({
          pipelineRun: run,
          taskRun: `${run}-t`,
          steps: [
            {
              step,
              stepIndex: step === 'a' ? 0 : 1,
              eof: from + BATCH >= LINES,
              lines: Array.from({ length: BATCH }, (_, i) => ({
                seq: from + i,
                stream: 0,
                timeMs: 1,
                data: Buffer.from(`${step} ${from + i}`),
              })),
            },
          ],
        }).finish();
        await send('/v1/logs', body, PROTOBUF_MEDIA_TYPE);
      }
    }
    await send('/v1/runs', JSON.stringify({ ...runRecord(run), status: 'Succeeded' }), 'application/json');
    const want = (step: string) => Array.from({ length: LINES }, (_, i) => `${step}:${i}`);
    for (const seen of await Promise.all(followers)) {
      expect(seen.filter((s) => s.startsWith('a:'))).toEqual(want('a'));
      expect(seen.filter((s) => s.startsWith('b:'))).toEqual(want('b'));
    }
  });
});

// Many followers of one run: each gets every line once and in order, while the store is asked
// about as often as for one follower.
import { EventEmitter, once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followLogs, type FollowSource } from '../../collector/follow.js';
import { FollowFanout } from '../../collector/follow-fanout.js';
import { lineColumns, type IngestInput, type Store } from '../../collector/store/types.js';
import { runRecord, sqliteFixture, type StoreFixture } from '../../testkit/store-fixtures.js';

const FOLLOWERS = 50;

function batch(from: number, n: number, eof: boolean): IngestInput {
  const lines = lineColumns(
    from,
    Array.from({ length: n }, (_, i) => ({ stream: 'stdout' as const, timeMs: from + i, text: `l${from + i}` })),
  );
  return { pipelineRun: 'fan', taskRun: 'fan-t', steps: [{ step: 's', stepIndex: 0, lines, eof }] };
}

describe('follow fan-out', () => {
  let fx: StoreFixture;
  let store: Store;
  beforeAll(async () => {
    fx = sqliteFixture();
    store = await fx.open();
  });
  afterAll(async () => {
    await store?.close();
    await fx?.cleanup();
  });

  it(`serves ${FOLLOWERS} followers from shared reads, each with every line in order`, async () => {
    let reads = 0;
    const counted: FollowSource = {
      getRun: (id) => store.getRun(id),
      logStreams: (id) => store.logStreams(id),
      readLogs: (q) => (reads++, store.readLogs(q)),
    };
    const changes = new EventEmitter();
    changes.setMaxListeners(0);
    // Long generations: only a change may end one, so every follower wakes into the same one.
    const fanout = new FollowFanout(counted, changes, 60_000);
    await store.putRun(runRecord('fan', { status: 'Succeeded' }));
    let waiting = 0;
    const allWaiting = new EventEmitter();
    const follow = async () => {
      const got: string[] = [];
      const src = fanout.source('fan');
      for await (const page of followLogs(src, {
        runId: 'fan',
        waitForChange: async () => {
          const woken = once(changes, 'fan');
          if (++waiting === FOLLOWERS) allWaiting.emit('all');
          await woken;
        },
      })) {
        got.push(...page.lines.map((l) => l.text));
        expect(fanout.encode(page).last.toString()).toContain(JSON.stringify(page.lines.at(-1)));
      }
      return got;
    };
    const followers = Array.from({ length: FOLLOWERS }, follow);
    for (const [from, n, eof] of [
      [0, 100, false],
      [100, 100, false],
      [200, 50, true],
    ] as const) {
      await once(allWaiting, 'all');
      waiting = 0;
      await store.ingest(batch(from, n, eof));
      changes.emit('fan');
    }
    const want = Array.from({ length: 250 }, (_, i) => `l${i}`);
    for (const got of await Promise.all(followers)) expect(got).toEqual(want);
    // Unshared, each follower reads at least once per batch: 3 × 50. Shared: a few per generation.
    expect(reads).toBeLessThan(FOLLOWERS);
  });
});

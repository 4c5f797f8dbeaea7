// Retention flags: durations parse or fail clearly; the policy deletes old runs with their logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetentionAt, parseDuration } from '../../collector/retention.js';
import { UsageError } from '../../controller/errors.js';
import type { Store } from '../../collector/store/types.js';
import { runRecord, sqliteFixture, type StoreFixture } from './helpers.js';

const DAY = 86_400_000;

describe('retention', () => {
  let fx: StoreFixture;
  let store: Store;
  beforeAll(async () => { fx = sqliteFixture(); store = await fx.open(); });
  afterAll(async () => { await store.close(); await fx.cleanup(); });

  it('parses durations and refuses anything else with a hint', () => {
    expect(parseDuration('30d', '--retain')).toBe(30 * DAY);
    expect(parseDuration('12h', '--retain')).toBe(12 * 3_600_000);
    expect(parseDuration('2w', '--retain')).toBe(14 * DAY);
    for (const bad of ['30', 'd', '1.5d', '-1d', '30 days', '']) {
      expect(() => parseDuration(bad, '--retain')).toThrow(UsageError);
    }
    expect(() => parseDuration('30x', '--retain')).toThrow('--retain 30x: not a duration');
  });

  it('--retain 30d deletes runs started before 30 days ago, with their logs', async () => {
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    for (const [id, daysAgo] of [['fresh', 1], ['edge', 29], ['old', 31], ['older', 90]] as const) {
      await store.putRun(runRecord(id, { startedAt: new Date(now - daysAgo * DAY).toISOString() }));
      await store.ingest({ pipelineRun: id, taskRun: 't', steps: [{ step: 's', stepIndex: 0, eof: true, lines: [{ seq: 0, stream: 'stdout', timeMs: 1, text: id }] }] });
    }
    expect((await applyRetentionAt(store, { retainMs: 30 * DAY }, now)).sort()).toEqual(['old', 'older']);
    expect((await store.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(['fresh', 'edge']);
    expect(await store.search({ text: 'old', limit: 10 })).toEqual([]);
    expect(await applyRetentionAt(store, { retainMs: 30 * DAY, keepLast: 1 }, now)).toEqual(['edge']);
    expect(await applyRetentionAt(store, {}, now)).toEqual([]);
  });
});

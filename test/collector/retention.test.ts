// Collector flags: addresses parse or fail clearly (durations: test/contract/duration.test.ts); retention deletes old runs
// with their logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, startCollector } from '../../collector/index.js';
import { applyRetentionAt } from '../../collector/retention.js';
import { parseListen, UsageError } from '../../contract/index.js';
import { lineColumns, type Store } from '../../collector/store/types.js';
import { runRecord, sqliteFixture, type StoreFixture } from '../../testkit/store-fixtures.js';

const DAY = 86_400_000;

describe('retention', () => {
  let fx: StoreFixture;
  let store: Store;
  beforeAll(async () => {
    fx = sqliteFixture();
    store = await fx.open();
  });
  afterAll(async () => {
    await store.close();
    await fx.cleanup();
  });

  it('--retain 30d deletes runs started before 30 days ago, with their logs', async () => {
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    for (const [id, daysAgo] of [
      ['fresh', 1],
      ['edge', 29],
      ['old', 31],
      ['older', 90],
    ] as const) {
      await store.putRun(runRecord(id, { startedAt: new Date(now - daysAgo * DAY).toISOString() }));
      await store.ingest({
        pipelineRun: id,
        taskRun: 't',
        steps: [
          { step: 's', stepIndex: 0, eof: true, lines: lineColumns(0, [{ stream: 'stdout', timeMs: 1, text: id }]) },
        ],
      });
    }
    expect((await applyRetentionAt(store, { retainMs: 30 * DAY }, now)).sort()).toEqual(['old', 'older']);
    expect((await store.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(['fresh', 'edge']);
    expect(await store.search({ text: 'old', limit: 10 })).toEqual([]);
    expect(await applyRetentionAt(store, { retainMs: 30 * DAY, keepLast: 1 }, now)).toEqual(['edge']);
    expect(await applyRetentionAt(store, {}, now)).toEqual([]);
  });
});

describe('collector options', () => {
  it('refuses a listen address that is not HOST:PORT', () => {
    expect(parseListen('127.0.0.1:8790')).toEqual({ host: '127.0.0.1', port: 8790 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['8790', 'host:', ':80', 'h:99999', 'h:80:1']) expect(() => parseListen(bad)).toThrow(UsageError);
  });

  it('refuses a database URL it cannot open, naming the forms it takes', async () => {
    await expect(openStore('mysql://x')).rejects.toMatchObject({
      message: '--db mysql://x: unsupported database URL',
      hint: expect.stringContaining('sqlite:PATH or postgres://'),
    });
    await expect(openStore('sqlite:')).rejects.toThrow('--db sqlite:: no file path');
  });
});

describe('collector start-up', () => {
  it('refuses a port in use with a usage error, leaving the running one alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-listen-'));
    const first = await startCollector({ db: `sqlite:${join(dir, 'a.db')}`, stateDir: dir });
    try {
      const port = new URL(first.url).port;
      await expect(
        startCollector({ listen: `127.0.0.1:${port}`, db: `sqlite:${join(dir, 'b.db')}`, stateDir: dir }),
      ).rejects.toThrow(`--listen 127.0.0.1:${port}: the address is in use`);
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

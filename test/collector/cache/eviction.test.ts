// Collector cache eviction: least recently used entries go past the size limit, with their blobs;
// entries unused past the age limit go too. Real HTTP, both databases.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCacheStore } from '../../../agent/cache/http-store.js';
import { runRecord, storeFixtures } from '../../../testkit/store-fixtures.js';
import { cachedStep, sampleArchiveSize, startCacheServer, type CacheServer } from './server.js';

describe.each(storeFixtures.map((f) => [f.name.replace('Fixture', ''), f] as const))(
  'collector cache eviction (%s)',
  (_kind, fixture) => {
    let server: CacheServer;
    let client: HttpCacheStore;
    let now = 1_000_000;
    let maxBytes = 0;
    const DAY = 24 * 3600e3;

    beforeAll(async () => {
      // Room for two entries, not three.
      maxBytes = Math.floor((await sampleArchiveSize()) * 2.5);
      server = await startCacheServer(fixture(), {
        limits: { maxBytes, maxAgeMs: 7 * DAY },
        now: () => now,
        runs: [runRecord('run-1')],
      });
      client = server.client('run-1');
    });
    afterAll(() => server.close());

    const step = async (key: string) => {
      const outcome = await cachedStep(client, key);
      now += 1000;
      return outcome;
    };

    it('evicts the least recently used entry and its blob past the size limit', async () => {
      expect(await step('a')).toEqual({ hit: false, saved: true });
      expect(await step('b')).toEqual({ hit: false, saved: true });
      expect(await step('a')).toEqual({ hit: true, saved: false }); // "a" used: "b" is now the oldest
      expect(await step('c')).toEqual({ hit: false, saved: true });
      expect((await step('a')).hit).toBe(true);
      expect((await step('b')).hit).toBe(false); // evicted (and saved again, evicting "c")
      expect(await readdir(join(server.blobDir, 'blobs'))).toHaveLength(2);
      expect(await server.index.totalBytes()).toBeLessThanOrEqual(maxBytes);
    });

    it('removes entries unused for longer than the age limit', async () => {
      now += 8 * DAY;
      expect(await step('fresh')).toEqual({ hit: false, saved: true }); // its commit runs the eviction
      expect((await step('a')).hit).toBe(false);
      expect(await readdir(join(server.blobDir, 'blobs'))).toHaveLength(2);
    });
  },
);

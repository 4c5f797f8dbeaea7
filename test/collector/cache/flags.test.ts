// `kiln collector --cache-dir/--cache-max-size/--cache-max-age`: parsing, clear errors, and a limit
// given as flags evicting through the HTTP API of a started collector.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { HttpCacheStore } from '../../../agent/cache/http-store.js';
import { defaultCacheDir } from '../../../collector/cache/config.js';
import { cacheOptionsFromFlags, parseSize, startCollector } from '../../../collector/index.js';
import { UsageError } from '../../../contract/index.js';
import { runRecord, testClaims } from '../../../testkit/store-fixtures.js';
import { requireBuild, runKiln } from '../../../testkit/log-proxy-pod.js';
import { cachedStep, sampleArchiveSize, SECRET } from './server.js';

describe('cache size and duration flags', () => {
  it.each([
    ['10GiB', 10 * 1024 ** 3],
    ['10 GiB', 10 * 1024 ** 3],
    ['2Gi', 2 * 1024 ** 3],
    ['500MB', 500e6],
    ['1.5KiB', 1536],
    ['4096', 4096],
    ['7b', 7],
    ['1TB', 1e12],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseSize(text, '--cache-max-size')).toBe(bytes);
  });

  it.each(['10gigs', '10g', '10m', '-1', '0', '0.1', '', 'GiB', '1e9', '99999999999999TiB'])(
    'refuses %j with the flag named and a hint',
    (text) => {
      let err: unknown;
      try {
        parseSize(text, '--cache-max-size');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toMatch(
        new RegExp(`^--cache-max-size ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
      );
    },
  );

  it('maps the flags onto the collector options, leaving out what is not given', () => {
    expect(cacheOptionsFromFlags({})).toEqual({ limits: {} });
    expect(cacheOptionsFromFlags({ cacheDir: '/blobs', cacheMaxSize: '1MiB', cacheMaxAge: '2d' })).toEqual({
      dir: '/blobs',
      limits: { maxBytes: 1024 ** 2, maxAgeMs: 2 * 24 * 3600e3 },
    });
    expect(() => cacheOptionsFromFlags({ cacheMaxAge: '7 days' })).toThrow('--cache-max-age 7 days: not a duration');
  });

  it('keeps blobs beside a SQLite database by default, in the state directory for PostgreSQL', () => {
    expect(defaultCacheDir('sqlite:/var/lib/kiln/kiln.db', '.kiln')).toBe('/var/lib/kiln/cache');
    expect(defaultCacheDir('data/kiln.db', '.kiln')).toBe('data/cache');
    expect(defaultCacheDir('postgres://u@db:5432/kiln', '/state')).toBe('/state/cache');
  });

  it('`kiln collector` exits 2 on a bad size before starting anything', async () => {
    requireBuild();
    const cwd = await mkdtemp(join(tmpdir(), 'kiln-cflags-'));
    const r = await runKiln(cwd, ['collector', '--listen', '127.0.0.1:0', '--cache-max-size', '10gigs']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--cache-max-size 10gigs: not a size');
    expect(r.stderr).toContain('hint: write a number and a unit: 10GiB');
    expect(existsSync(join(cwd, '.kiln'))).toBe(false);
  });
});

describe('a collector started with cache flags', () => {
  it('keeps blobs in --cache-dir and evicts the least recently used entry past --cache-max-size', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'kiln-cflags-state-'));
    const cacheDir = join(stateDir, 'blobs-here');
    // Room for two sample entries, not three.
    const maxSize = String(Math.floor((await sampleArchiveSize()) * 2.5));
    const c = await startCollector({
      db: `sqlite:${join(stateDir, 'kiln.db')}`,
      stateDir,
      secret: SECRET,
      cache: cacheOptionsFromFlags({ cacheDir, cacheMaxSize: maxSize, cacheMaxAge: '7d' }),
    });
    const dispatcher = new Agent();
    try {
      await c.store.putRun(runRecord('run-flags'));
      const client = new HttpCacheStore(c.url, c.mintRunToken(testClaims('run-flags')), dispatcher);
      expect(await cachedStep(client, 'a')).toEqual({ hit: false, saved: true });
      expect(await cachedStep(client, 'b')).toEqual({ hit: false, saved: true });
      expect(await cachedStep(client, 'c')).toEqual({ hit: false, saved: true }); // evicts "a", the oldest
      expect(await readdir(join(cacheDir, 'blobs'))).toHaveLength(2);
      expect((await cachedStep(client, 'c')).hit).toBe(true);
      expect((await cachedStep(client, 'a')).hit).toBe(false);
      expect(existsSync(join(stateDir, 'cache'))).toBe(false);
    } finally {
      await dispatcher.close();
      await c.close();
    }
  });
});

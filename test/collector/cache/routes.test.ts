// The collector's cache endpoints over real HTTP on loopback, on SQLite and PostgreSQL, driven by
// the agent's own HTTP client.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreCache, saveCache, type StepCacheOptions } from '../../../agent/cache/cache.js';
import { HttpCacheStore } from '../../../agent/cache/http-store.js';
import type { CacheSpec } from '../../../syntax/model.js';
import { mintRunToken } from '../../../collector/index.js';
import { runRecord, storeFixtures, testClaims } from '../../../testkit/store-fixtures.js';
import { READER, SECRET, startCacheServer, type CacheServer } from './server.js';
import { describeTree, makeTree } from '../../agent/cache/tree.js';

const spec = (over: Partial<CacheSpec> = {}): CacheSpec => ({
  key: "npm-$(hashFiles('package-lock.json'))",
  restoreKeys: ['npm-'],
  paths: ['node_modules'],
  policy: 'pull-push',
  ...over,
});

async function workspace(lock = '{"v":1}') {
  const ws = await mkdtemp(join(tmpdir(), 'kiln-cws-'));
  await writeFile(join(ws, 'package-lock.json'), lock);
  return ws;
}

describe.each(storeFixtures.map((f) => [f.name.replace('Fixture', ''), f] as const))(
  'collector cache (%s)',
  (_kind, fixture) => {
    let server: CacheServer;
    let url: string;
    let blobDir: string;
    let clock = 1_000_000;
    const request = (u: string, o: Omit<Parameters<typeof undiciRequest>[1] & object, 'dispatcher'> = {}) =>
      undiciRequest(u, { ...o, dispatcher: server.dispatcher });
    const client = (run: string) => server.client(run);

    beforeAll(async () => {
      server = await startCacheServer(fixture(), {
        limits: { maxEntryBytes: 2_000_000, maxBytes: 50_000_000 },
        now: () => clock++,
        runs: [
          runRecord('run-main-1'),
          runRecord('run-main-2'),
          runRecord('run-feature', { labels: { branch: 'feature-x' } }),
          runRecord('run-other', { name: 'other-pipeline' }),
        ],
      });
      ({ url, blobDir } = server);
    });
    afterAll(() => server.close());

    const opts = (ws: string, run: string, s = spec()) => {
      const lines: string[] = [];
      const o: StepCacheOptions = {
        spec: s,
        workspace: ws,
        home: undefined,
        store: client(run),
        log: (l) => lines.push(l),
      };
      return { o, lines };
    };

    it('saves and restores a tree byte-identical, streaming both ways', async () => {
      const a = await workspace();
      const first = opts(a, 'run-main-1');
      const state = await restoreCache(first.o);
      expect(state.record.hit).toBe(false);
      await makeTree(join(a, 'node_modules'));
      expect((await saveCache(first.o, state)).saved).toBe(true);

      const b = await workspace();
      const second = opts(b, 'run-main-2');
      const restored = await restoreCache(second.o);
      expect(restored.record).toMatchObject({ hit: true, matchedKey: state.key });
      expect(await describeTree(join(b, 'node_modules'))).toEqual(await describeTree(join(a, 'node_modules')));
      // The blob is on disk under its digest, not in the database.
      expect(await readdir(join(blobDir, 'blobs'))).toContain(
        (await client('run-main-2').lookup({ key: state.key, restoreKeys: [], version: state.version }))!.digest,
      );
    });

    it('scopes entries by pipeline and branch; a branch reads the default branch', async () => {
      const ws = await workspace('{"scoped":1}');
      const feature = opts(ws, 'run-feature');
      const st = await restoreCache(feature.o);
      expect(st.record.matchedKey).toMatch(/^npm-/); // main's entry, through the restore key
      await makeTree(join(ws, 'node_modules'), 'f');
      expect((await saveCache(feature.o, st)).saved).toBe(true);
      const lookup = (run: string) => client(run).lookup({ key: st.key, restoreKeys: [], version: st.version });
      expect((await lookup('run-feature'))?.key).toBe(st.key);
      expect(await lookup('run-main-1')).toBeNull(); // main does not read a feature branch
      expect(await lookup('run-other')).toBeNull(); // nor another pipeline
    });

    it('checks tokens: none, reader (read-only, names its scope), unknown run', async () => {
      const q = `version=${'0'.repeat(64)}&key=k`;
      expect((await request(`${url}/v1/cache/entries?${q}`)).statusCode).toBe(401);
      const reader = { authorization: `Bearer ${READER}` };
      expect((await request(`${url}/v1/cache/entries?${q}&pipeline=web-app`, { headers: reader })).statusCode).toBe(
        204,
      );
      const noScope = await request(`${url}/v1/cache/entries?${q}`, { headers: reader });
      expect(noScope.statusCode).toBe(400);
      expect(await noScope.body.text()).toContain('?pipeline=NAME');
      const put = await request(`${url}/v1/cache/blobs`, {
        method: 'POST',
        headers: { ...reader, 'content-type': 'application/octet-stream' },
        body: 'x',
      });
      expect(put.statusCode).toBe(401); // refused before the body is read
      expect(await put.body.text()).toContain('the reader token only reads');
      const unknown = await request(`${url}/v1/cache/entries?${q}`, {
        headers: { authorization: `Bearer ${mintRunToken(SECRET, testClaims('nope'))}` },
      });
      expect(unknown.statusCode).toBe(403);
      expect(await unknown.body.text()).toContain('POST /v1/runs');
      const bad = await request(`${url}/v1/cache/entries?key=k&version=xyz`, { headers: reader });
      expect(bad.statusCode).toBe(400);
    });

    it('refuses an archive over the entry limit and keeps nothing of it', async () => {
      const ws = await workspace('{"big":1}');
      await mkdir(join(ws, 'node_modules'));
      const { randomBytes } = await import('node:crypto');
      await writeFile(join(ws, 'node_modules/big.bin'), randomBytes(3_000_000));
      const { o, lines } = opts(ws, 'run-main-1', spec({ restoreKeys: [] }));
      const out = await saveCache(o, await restoreCache(o));
      expect(out.saved).toBe(false);
      expect(lines.join('\n')).toMatch(/save of "npm-[0-9a-f]{12}…" failed: .*413/);
      expect(await readdir(join(blobDir, 'tmp'))).toEqual([]);
    });

    it('keeps one whole entry when runs save one key at once', async () => {
      const runs = await Promise.all(
        ['p', 'q', 'r'].map(async (seed) => {
          const ws = await workspace('{"race":1}');
          const { o } = opts(ws, 'run-main-1', spec({ restoreKeys: [] }));
          const st = await restoreCache(o);
          await makeTree(join(ws, 'node_modules'), seed);
          return { ws, o, st };
        }),
      );
      const outs = await Promise.all(runs.map((r) => saveCache(r.o, r.st)));
      expect(outs.filter((x) => x.saved)).toHaveLength(1);
      const winner = runs[outs.findIndex((x) => x.saved)];
      const ws = await workspace('{"race":1}');
      const { o } = opts(ws, 'run-main-2', spec({ restoreKeys: [] }));
      expect((await restoreCache(o)).record.hit).toBe(true);
      expect(await describeTree(join(ws, 'node_modules'))).toEqual(await describeTree(join(winner.ws, 'node_modules')));
    });

    it('treats a corrupted blob as a miss with a warning', async () => {
      const ws = await workspace('{"corrupt":1}');
      const first = opts(ws, 'run-main-1', spec({ restoreKeys: [] }));
      const st = await restoreCache(first.o);
      await makeTree(join(ws, 'node_modules'), 'c');
      await saveCache(first.o, st);
      const entry = (await client('run-main-1').lookup({ key: st.key, restoreKeys: [], version: st.version }))!;
      const file = join(blobDir, 'blobs', entry.digest);
      const bytes = await readFile(file);
      bytes[100] ^= 0x55;
      await writeFile(file, bytes);
      const fresh = await workspace('{"corrupt":1}');
      const second = opts(fresh, 'run-main-2', spec({ restoreKeys: [] }));
      const restored = await restoreCache(second.o);
      expect(restored.record.matchedKey).toBeNull();
      expect(second.lines.join('\n')).toMatch(/warning: restore .* (is corrupt|does not decode)/);
      expect(await readdir(fresh)).toEqual(['package-lock.json']);
    });
  },
);

describe('startCollector', () => {
  it('serves the cache from the same database, blobs under its state directory', async () => {
    const { startCollector } = await import('../../../collector/index.js');
    const stateDir = await mkdtemp(join(tmpdir(), 'kiln-cstate-'));
    const c = await startCollector({ db: `sqlite:${join(stateDir, 'kiln.db')}`, stateDir, secret: SECRET });
    const dispatcher = new Agent();
    try {
      await c.store.putRun(runRecord('run-sc'));
      const ws = await workspace('{"started":1}');
      const o: StepCacheOptions = {
        spec: spec(),
        workspace: ws,
        home: undefined,
        store: new HttpCacheStore(c.url, c.mintRunToken(testClaims('run-sc')), dispatcher),
        log: () => {},
      };
      const state = await restoreCache(o);
      await makeTree(join(ws, 'node_modules'));
      expect((await saveCache(o, state)).saved).toBe(true);
      expect(await readdir(join(stateDir, 'cache', 'blobs'))).toHaveLength(1);
    } finally {
      await dispatcher.close();
      await c.close();
    }
  });
});

// Test helper: a real collector on loopback serving the cache routes over one of the store
// fixtures, with its own HTTP client pool so closing it never waits on a half-sent upload.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Agent } from 'undici';
import { writeArchive } from '../../../agent/cache/archive.js';
import { restoreCache, saveCache, type StepCacheOptions } from '../../../agent/cache/cache.js';
import { HttpCacheStore } from '../../../agent/cache/http-store.js';
import type { CacheStore } from '../../../agent/cache/store.js';
import { CacheIndex, cacheRoutes, openSqlRunner, type CacheLimits } from '../../../collector/cache/index.js';
import { buildServer } from '../../../collector/server.js';
import type { Store } from '../../../collector/store/types.js';
import { type RunRecord } from '../../../contract/index.js';
import { mintRunToken, runClaims } from '../../../collector/index.js';
import { runRecord, type StoreFixture } from '../../../testkit/store-fixtures.js';
import { makeTree } from '../../agent/cache/tree.js';

export const SECRET = 'test-secret';
export const READER = 'reader-token-123';

export interface CacheServer {
  url: string;
  store: Store;
  index: CacheIndex;
  blobDir: string;
  dispatcher: Agent;
  client(run: string): HttpCacheStore;
  close(): Promise<void>;
}

export async function startCacheServer(
  f: StoreFixture,
  o: { limits: Partial<CacheLimits>; now: () => number; runs: RunRecord[] },
): Promise<CacheServer> {
  const store = await f.open();
  const index = await CacheIndex.open(await openSqlRunner(f.url));
  const blobDir = await mkdtemp(join(tmpdir(), 'kiln-cblobs-'));
  const plugin = cacheRoutes({ dir: blobDir, index, limits: o.limits, now: o.now });
  const { app } = await buildServer({ store, secret: SECRET, readerToken: READER, plugins: [plugin] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  for (const r of o.runs) await store.putRun(r);
  const dispatcher = new Agent();
  return {
    url,
    store,
    index,
    blobDir,
    dispatcher,
    client: (run) =>
      new HttpCacheStore(
        url,
        mintRunToken(SECRET, runClaims(o.runs.find((r) => r.id === run) ?? runRecord(run))),
        dispatcher,
      ),
    async close() {
      await dispatcher.close();
      await app.close();
      await index.close();
      await store.close();
      await f.cleanup();
    },
  };
}

/** The size of one archived sample tree (makeTree), to set size limits that hold a few entries. */
export async function sampleArchiveSize(): Promise<number> {
  const sample = await mkdtemp(join(tmpdir(), 'kiln-cevict-sample-'));
  await makeTree(sample, 'a');
  return (await writeArchive([sample], 'tar+gzip', new PassThrough().resume())).size;
}

/** One cached step in a fresh workspace: restore `key` into deps/, make the tree on a miss, save. */
export async function cachedStep(
  store: CacheStore,
  key: string,
): Promise<{ hit: boolean; saved: boolean | undefined }> {
  const ws = await mkdtemp(join(tmpdir(), 'kiln-cevict-ws-'));
  await writeFile(join(ws, 'lock'), key);
  const o: StepCacheOptions = {
    spec: { key, restoreKeys: [], paths: ['deps'], policy: 'pull-push' },
    workspace: ws,
    home: undefined,
    store,
    log: () => {},
  };
  const state = await restoreCache(o);
  if (!state.record.hit) await makeTree(join(ws, 'deps'), key);
  const saved = await saveCache(o, state);
  return { hit: state.record.hit, saved: saved.saved };
}

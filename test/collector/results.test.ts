// Large task results over loopback, on both stores: upload and read back, replace, tokens, names,
// the size limit, and retention.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/index.js';
import type { Store } from '../../collector/store/types.js';
import { taskRunResultsPath } from '../../contract/index.js';
import { runRecord, storeFixtures, testClaims, type StoreFixture } from '../../testkit/store-fixtures.js';

const LIMIT = 400 * 1024;

for (const make of storeFixtures) {
  describe(`task results: ${make.name.replace('Fixture', '')}`, () => {
    // Given secrets nothing is written to a state dir, and both collectors mint and take the same tokens.
    const keys = { secret: randomBytes(32).toString('base64url'), readerToken: randomBytes(32).toString('base64url') };
    let fx: StoreFixture;
    let store: Store;
    /** c takes values up to LIMIT; small up to 1000 bytes. */
    let c: RunningCollector;
    let small: RunningCollector;
    beforeAll(async () => {
      fx = make();
      store = await fx.open();
      [c, small] = await Promise.all(
        [LIMIT, 1000].map((resultBytes) => startCollector({ db: store, ...keys, limits: { resultBytes } })),
      );
      for (const id of ['res-a', 'res-b']) await store.putRun(runRecord(id));
    });
    afterAll(async () => {
      await c?.close();
      await small?.close();
      await store?.close();
      await fx?.cleanup();
    });

    const path = (run: string, taskRun: string, name: string) =>
      `${taskRunResultsPath(run, taskRun)}/${encodeURIComponent(name)}`;
    const auth = (token: string | null) => (token ? { authorization: `Bearer ${token}` } : {});
    const put = (
      p: string,
      body: Buffer | string,
      token: string | null,
      o: { type?: string; on?: RunningCollector } = {},
    ) =>
      request(`${(o.on ?? c).url}${p}`, {
        method: 'PUT',
        body,
        headers: { 'content-type': o.type ?? 'application/octet-stream', ...auth(token) },
      });
    const get = (p: string, token: string | null) => request(`${c.url}${p}`, { headers: auth(token) });
    const errorOf = async (res: Awaited<ReturnType<typeof request>>) =>
      ((await res.body.json()) as { error: string }).error;

    it('stores the bytes and answers them back, with their sha256 and size', async () => {
      const token = c.mintRunToken(testClaims('res-a'));
      const utf8 = Buffer.from('{"digest":"sha256:…","note":"é中 🚀"}\n', 'utf8');
      const big = Buffer.alloc(300 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
      for (const [name, value, type] of [
        ['report', utf8, 'text/plain; charset=utf-8'],
        ['blob', big, undefined],
      ] as const) {
        const res = await put(path('res-a', 'res-a-build', name), value, token, { type });
        expect(res.statusCode).toBe(201);
        expect(await res.body.json()).toEqual({
          sha256: createHash('sha256').update(value).digest('hex'),
          size: value.length,
        });
        const back = await get(path('res-a', 'res-a-build', name), c.readerToken);
        expect(back.statusCode).toBe(200);
        expect(back.headers['content-type']).toBe('application/octet-stream');
        expect(Buffer.from(await back.body.arrayBuffer()).equals(value)).toBe(true);
      }
    });

    it('replaces the value on a second PUT (a retried attempt)', async () => {
      const token = c.mintRunToken(testClaims('res-a'));
      const p = path('res-a', 'res-a-retry', 'out');
      expect((await put(p, 'first attempt', token)).statusCode).toBe(201);
      const second = await put(p, 'second', token);
      expect(await second.body.json()).toMatchObject({ size: 6 });
      expect((await store.getResult('res-a', 'res-a-retry', 'out'))?.toString()).toBe('second');
    });

    it("reads with the reader token or the run's own token, and refuses others", async () => {
      const p = path('res-a', 'res-a-retry', 'out');
      expect(await (await get(p, c.mintRunToken(testClaims('res-a')))).body.text()).toBe('second');
      expect(await (await get(p, c.readerToken)).body.text()).toBe('second');
      const other = await get(p, c.mintRunToken(testClaims('res-b')));
      expect(other.statusCode).toBe(403);
      expect(await errorOf(other)).toContain('"res-b", not for run "res-a"');
      const none = await get(p, null);
      expect(none.statusCode).toBe(401);
      expect(await errorOf(none)).toContain('reader token');
      expect((await get(p, 'not-a-token')).statusCode).toBe(401);
    });

    it("refuses a write with another run's token or none, storing nothing", async () => {
      const p = path('res-b', 'res-b-build', 'out');
      const other = await put(p, 'forged', c.mintRunToken(testClaims('res-a')));
      expect(other.statusCode).toBe(403);
      await other.body.dump();
      expect((await put(p, 'anonymous', null)).statusCode).toBe(401);
      expect(await store.getResult('res-b', 'res-b-build', 'out')).toBeNull();
    });

    it('refuses an unknown run, bad names and a missing body', async () => {
      const unknown = await put(path('res-none', 't', 'out'), 'x', c.mintRunToken(testClaims('res-none')));
      expect(unknown.statusCode).toBe(404);
      expect(await errorOf(unknown)).toContain('POST /v1/runs it first');
      const token = c.mintRunToken(testClaims('res-a'));
      for (const [taskRun, name, what] of [
        ['-lead', 'out', 'taskRun'],
        ['t', 'a b', 'result name'],
        ['t', 'x'.repeat(254), 'result name'],
      ]) {
        const bad = await put(path('res-a', taskRun, name), 'x', token);
        expect(bad.statusCode).toBe(400);
        expect(await errorOf(bad)).toMatch(new RegExp(`^${what} `));
      }
      expect((await put(path('res-a', 't'.repeat(253), 'ok'), 'x', token)).statusCode).toBe(201);
      const json = await put(path('res-a', 't', 'out'), '{}', token, { type: 'application/json' });
      expect(json.statusCode).toBe(400);
      expect(await store.getResult('res-a', 't', 'out')).toBeNull();
    });

    it('refuses a value over the limit with a 413 naming it, storing nothing', async () => {
      const token = small.mintRunToken(testClaims('res-b'));
      const p = path('res-b', 'res-b-build', 'huge');
      const over = await put(p, Buffer.alloc(1001, 120), token, { on: small });
      expect(over.statusCode).toBe(413);
      expect(await errorOf(over)).toContain('task result over the limit of 1000 bytes');
      expect(await store.getResult('res-b', 'res-b-build', 'huge')).toBeNull();
      expect((await put(p, Buffer.alloc(1000, 120), token, { on: small })).statusCode).toBe(201);
    });

    it('answers 404 for a result never stored', async () => {
      const missing = await get(path('res-a', 'res-a-build', 'nothing'), c.readerToken);
      expect(missing.statusCode).toBe(404);
      expect(await errorOf(missing)).toContain('no result "nothing"');
    });

    it("deletes a run's results with the run in retention", async () => {
      await store.putRun(runRecord('res-old', { startedAt: new Date(1_600_000_000_000).toISOString() }));
      expect((await put(path('res-old', 't', 'out'), 'old', c.mintRunToken(testClaims('res-old')))).statusCode).toBe(
        201,
      );
      expect(await store.applyRetention({ olderThanMs: 1_650_000_000_000 })).toEqual(['res-old']);
      expect(await store.getResult('res-old', 't', 'out')).toBeNull();
      expect((await get(path('res-old', 't', 'out'), c.readerToken)).statusCode).toBe(404);
      expect(await store.getResult('res-a', 'res-a-build', 'report')).not.toBeNull();
    });
  });
}

// A collector bound ahead (listenEarly, as `kiln run` binds its embedded one): a request that comes
// before the collector is built waits for it and is then answered by it, exactly once; one that
// comes to a collector that could not start is answered 503 with the reason; close frees the port.
// Real server, real SQLite store, real requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectorClient, listenEarly, mintRunToken, startCollector } from '../../collector/index.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-early-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a collector bound ahead', () => {
  it('answers a request sent before it was started, once it has started', async () => {
    const early = await listenEarly();
    const dir = mkdtempSync(join(scratch, 'ok-'));
    const health = fetch(`${early.url}/healthz`).then((r) => r.json());
    // Written before the store exists: the record is stored once, by the collector started after.
    const secret = 'an-early-secret';
    const claims = testClaims('early-run');
    const client = new CollectorClient(early.url);
    const record = runRecord('early-run', { status: 'Running' });
    const created = client.postRun(record, mintRunToken(secret, claims));
    const c = await startCollector({ db: `sqlite:${join(dir, 'kiln.db')}`, stateDir: dir, secret, server: early });
    expect(c.url).toBe(early.url);
    expect(await health).toEqual({ ok: true, store: 'sqlite' });
    await created;
    expect((await c.store.getRun('early-run'))?.status).toBe('Running');
    await c.close();
    await expect(fetch(`${early.url}/healthz`)).rejects.toThrow();
  });

  it('answers 503 with the reason when the collector cannot start, and frees its port on close', async () => {
    const early = await listenEarly();
    const waiting = fetch(`${early.url}/healthz`);
    await expect(startCollector({ db: 'nosuchdb://x', stateDir: scratch, server: early })).rejects.toThrow();
    const answer = await waiting;
    expect(answer.status).toBe(503);
    expect((await answer.json()).error).toMatch(/^the embedded collector could not start: /);
    expect((await fetch(`${early.url}/healthz`)).status).toBe(503);
    await early.close();
    await expect(fetch(`${early.url}/healthz`)).rejects.toThrow();
  });
});

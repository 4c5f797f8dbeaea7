// A run's pipeline, branch and namespace are fixed by its token: its record cannot be renamed
// into another pipeline or branch, and its cache saves land in its own scope whatever its record says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunClaims, type RunningCollector } from '../../collector/index.js';
import { CACHE_BLOBS_PATH, CACHE_ENTRIES_PATH } from '../../contract/cache/index.js';
import { runRecord } from '../../testkit/store-fixtures.js';

const VERSION = 'a'.repeat(64);

describe('run scope bound by the token', () => {
  let dir: string;
  let c: RunningCollector;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-scope-'));
    c = await startCollector({ db: `sqlite:${join(dir, 'kiln.db')}`, stateDir: dir });
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: string, path: string, token: string, body: unknown, type = 'application/json') =>
    request(`${c.url}${path}`, {
      method,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
    });
  const attacker: RunClaims = { run: 'atk-1', pipeline: 'attacker', branch: 'feature' };

  async function saveEntry(token: string, key: string): Promise<number> {
    const blob = await send('POST', CACHE_BLOBS_PATH, token, 'poison', 'application/octet-stream');
    const { digest, size } = (await blob.body.json()) as { digest: string; size: number };
    const put = await send('PUT', CACHE_ENTRIES_PATH, token, { key, version: VERSION, digest, size, format: 'tar' });
    await put.body.dump();
    return put.statusCode;
  }
  const lookup = async (pipeline: string, branch: string, key: string) =>
    (
      await request(
        `${c.url}${CACHE_ENTRIES_PATH}?pipeline=${pipeline}&branch=${branch}&key=${key}&version=${VERSION}`,
        {
          headers: { authorization: `Bearer ${c.readerToken}` },
        },
      )
    ).statusCode;

  it('refuses a PATCH or POST that moves the record to another pipeline, branch or namespace', async () => {
    const token = c.mintRunToken(attacker);
    const record = runRecord('atk-1', { name: 'attacker', params: { branch: 'feature' } });
    expect((await send('POST', '/v1/runs', token, record)).statusCode).toBe(201);
    for (const patch of [
      { name: 'victim' },
      { labels: { branch: 'main' } },
      { params: { branch: 'main' } },
      { name: 'victim', labels: { branch: 'main' } },
      { labels: { branch: 'feature', namespace: 'victims' } },
    ]) {
      const res = await send('PATCH', '/v1/runs/atk-1', token, patch);
      expect(res.statusCode, JSON.stringify(patch)).toBe(403);
      expect(((await res.body.json()) as { error: string }).error).toContain('its run token was minted for');
    }
    const renamed = await send('POST', '/v1/runs', token, { ...record, name: 'victim' });
    expect(renamed.statusCode).toBe(403);
    expect(await c.store.getRun('atk-1')).toMatchObject({ name: 'attacker', params: { branch: 'feature' } });
    // What the token allows still works.
    expect((await send('PATCH', '/v1/runs/atk-1', token, { status: 'Succeeded' })).statusCode).toBe(200);
  });

  it("saves a run's cache entries in the scope of its token, never another pipeline's", async () => {
    const token = c.mintRunToken(attacker);
    expect(await saveEntry(token, 'npm-1')).toBe(201);
    expect(await lookup('attacker', 'feature', 'npm-1')).toBe(200);
    expect(await lookup('victim', 'main', 'npm-1')).toBe(204);
    expect(await lookup('attacker', 'main', 'npm-1')).toBe(204);
  });

  it("keeps a namespaced run's cache in NAMESPACE/PIPELINE", async () => {
    const claims: RunClaims = { run: 'ns-1', pipeline: 'victim', branch: 'main', namespace: 'team-b' };
    const token = c.mintRunToken(claims);
    const record = runRecord('ns-1', { name: 'victim', params: { branch: 'main' } });
    expect((await send('POST', '/v1/runs', token, record)).statusCode).toBe(201);
    expect(await saveEntry(token, 'npm-ns')).toBe(201);
    expect(await lookup('team-b/victim', 'main', 'npm-ns')).toBe(200);
    expect(await lookup('victim', 'main', 'npm-ns')).toBe(204);
  });
});

// The entrypoint's result store against a real HTTP server on loopback: what it sends, how it
// waits out a collector that is down or does not know the run yet, and what it gives up on.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultNotStoredError } from '../../../agent/errors.js';
import { HttpResultStore } from '../../../agent/entrypoint/result-store.js';

const FAST = { forMs: 2000, initialDelayMs: 10, maxDelayMs: 50 };
const tokenFile = join(mkdtempSync(join(tmpdir(), 'kiln-rs-')), 'token');
writeFileSync(tokenFile, 'tok\n');

let close = () => {};
afterEach(() => close());

/** A server answering each request with the next status of `statuses` (the last one repeats). */
async function collector(
  statuses: number[],
  echo: (body: Buffer) => object = (b) => ({ sha256: createHash('sha256').update(b).digest('hex'), size: b.length }),
) {
  const seen: { url: string; auth: string; body: Buffer }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ url: req.url!, auth: req.headers.authorization ?? '', body });
      const status = statuses[Math.min(seen.length - 1, statuses.length - 1)]!;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(status === 201 ? echo(body) : { error: 'nope' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close = () => server.close();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/runs/r/taskruns/t/results`, seen };
}

describe('HttpResultStore', () => {
  it('PUTs the bytes with the run token and answers the reference', async () => {
    const c = await collector([201]);
    const value = 'é'.repeat(5000);
    const ref = await new HttpResultStore(c.url, tokenFile, FAST).put('big one', value);
    expect(ref).toEqual({ name: 'big one', size: 10_000, sha256: createHash('sha256').update(value).digest('hex') });
    expect(c.seen).toHaveLength(1);
    expect(c.seen[0]).toMatchObject({ url: '/v1/runs/r/taskruns/t/results/big%20one', auth: 'Bearer tok' });
    expect(c.seen[0]!.body.toString()).toBe(value);
  });

  it('waits out a collector that is busy or does not know the run yet', async () => {
    const c = await collector([503, 404, 201]);
    await new HttpResultStore(c.url, tokenFile, FAST).put('r', 'v');
    expect(c.seen).toHaveLength(3);
  });

  it('gives up at once on a refusal, and after its time on an outage', async () => {
    const refused = await collector([403]);
    await expect(new HttpResultStore(refused.url, tokenFile, FAST).put('r', 'v')).rejects.toThrow(
      /result "r" \(1 bytes.*HTTP 403/,
    );
    expect(refused.seen).toHaveLength(1);
    close();
    const down = refused.url.replace(/:\d+\//, ':1/'); // nothing listens on port 1
    const err = await new HttpResultStore(down, tokenFile, { ...FAST, forMs: 200 })
      .put('r', 'v')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultNotStoredError);
  });

  it('fails when the collector kept other bytes than were sent', async () => {
    const c = await collector([201], () => ({ sha256: '0'.repeat(64), size: 1 }));
    await expect(new HttpResultStore(c.url, tokenFile, FAST).put('r', 'v')).rejects.toThrow(/not what was sent/);
  });
});

// POST /v1/logs bodies read into pooled buffers (collector/log-body.ts), over a real HTTP server.
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRejected } from '../../collector/errors.js';
import { BodyPool, readBody } from '../../collector/log-body.js';

describe('BodyPool', () => {
  it('hands a given-back buffer out again for a body it fits, once, and keeps nothing it did not make', () => {
    const pool = new BodyPool(1);
    const a = pool.take(3_000_000);
    a.fill(1);
    pool.give(a);
    pool.give(a); // twice: still one free buffer
    const b = pool.take(3_100_000); // both round up to 3 MiB: the same memory
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(3_100_000);
    expect(pool.take(3_100_000).buffer).not.toBe(a.buffer); // the free one was taken
    pool.give(Buffer.alloc(10)); // not the pool's
    pool.give('text');
    expect(pool.take(10).buffer).not.toBe(a.buffer);
  });

  it('keeps the larger buffers when it is full, so small first bodies do not make it miss every larger one', () => {
    const pool = new BodyPool(2);
    const small = [pool.take(100_000), pool.take(200_000)];
    const large = pool.take(3_500_000); // taken while the small ones are out: new memory
    for (const b of small) pool.give(b);
    pool.give(large); // the pool is full of small buffers: the large one replaces the smallest
    // Compared as booleans: a failing toBe would print megabytes of both buffers.
    expect(pool.take(3_400_000).buffer === large.buffer).toBe(true);
    expect(pool.take(150_000).buffer === small[1]!.buffer).toBe(true); // the larger small one stayed
    const fresh = pool.take(100_000); // the smallest was let go: new memory
    expect([large, ...small].some((b) => b.buffer === fresh.buffer)).toBe(false);
  });
});

describe('readBody', () => {
  const pool = new BodyPool();
  // Each request's outcome, in the order the server reads them.
  const outcomes: ((r: Buffer | Error) => void)[] = [];
  const next = () => new Promise<Buffer | Error>((resolve) => outcomes.push(resolve));
  const server = createServer((req: IncomingMessage, res) => {
    const done = outcomes.shift()!;
    void readBody(req, 1000, pool, 'over the limit').then(
      (body) => (done(body), res.end('ok')),
      (err: Error) => (done(err), res.end('error')),
    );
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  /** Sends `parts` with a content-length (or chunked, when null); `cut` ends the connection early. */
  function send(parts: Buffer[], length: number | null, cut = false): Promise<void> {
    return new Promise((resolve) => {
      const req = request({ port, method: 'POST', headers: length === null ? {} : { 'content-length': length } });
      req.on('response', (res) => res.resume().on('end', resolve));
      req.on('error', () => resolve());
      for (const p of parts) req.write(p);
      // Cut once the bytes so far have reached the socket, so the server has a request to read.
      if (cut) req.write('', () => setImmediate(() => req.destroy()));
      else req.end();
    });
  }

  it('reads a declared body into one buffer, and a chunked one too', async () => {
    let result = next();
    await send([Buffer.from('hello '), Buffer.from('world')], 11);
    expect((await result).toString()).toBe('hello world');
    result = next();
    await send([Buffer.from('chunked '), Buffer.from('body')], null);
    expect((await result).toString()).toBe('chunked body');
  });

  it('refuses a body over the limit, declared or chunked, with a 413', async () => {
    let result = next();
    await send([Buffer.alloc(1001)], 1001);
    const declared = await result;
    expect(declared).toBeInstanceOf(RequestRejected);
    expect((declared as RequestRejected).status).toBe(413);
    result = next();
    await send([Buffer.alloc(600), Buffer.alloc(600)], null);
    expect(((await result) as RequestRejected).status).toBe(413);
  });

  it('refuses a body cut off before its declared length', async () => {
    const result = next();
    await send([Buffer.from('short')], 100, true);
    const err = await result;
    expect(err).toBeInstanceOf(RequestRejected);
    expect((err as RequestRejected).status).toBe(400);
  });
});

// What a hostile or broken client can hold: a write is refused before its body is read, a slow
// request is cut off, connections are capped, and a failure inside is logged with the request id
// the client was given.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/index.js';
import { PROTOBUF_MEDIA_TYPE } from '../../contract/log-wire/index.js';
import { testClaims } from '../../testkit/store-fixtures.js';

/** A raw connection; `done` resolves with what the server sent once it closed the connection. */
function open(url: string): { socket: Socket; done: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => undefined);
  const done = new Promise<string>((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks).toString())));
  return { socket, done };
}

const head = (token: string | null, length: number) =>
  `POST /v1/logs HTTP/1.1\r\nhost: x\r\ncontent-type: ${PROTOBUF_MEDIA_TYPE}\r\ncontent-length: ${length}\r\n` +
  (token ? `authorization: Bearer ${token}\r\n` : '') +
  '\r\n';

describe('collector under hostile clients', () => {
  let dir: string;
  let c: RunningCollector;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-hostile-'));
    c = await startCollector({
      db: `sqlite:${join(dir, 'kiln.db')}`,
      stateDir: dir,
      limits: {
        requestTimeoutMs: 1500,
        headersTimeoutMs: 1000,
        maxConnections: 8,
        bodyBytesInFlight: 10 * 1024 * 1024,
      },
      plugins: [
        async (app) => {
          app.get('/boom', async () => {
            throw new Error('the store fell over');
          });
        },
      ],
    });
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a write without a valid token before reading its body, and closes the connection', async () => {
    for (const token of [null, 'krt2.e30.AAAA', c.readerToken]) {
      const { socket, done } = open(c.url);
      // 7 MiB announced, 1 KiB sent: the answer comes without the rest.
      socket.write(head(token, 7 * 1024 * 1024));
      socket.write(Buffer.alloc(1024));
      const answer = await done;
      expect(answer).toMatch(/^HTTP\/1.1 401/);
      expect(answer.toLowerCase()).toContain('connection: close');
    }
  });

  it('cuts off a request whose body does not arrive within the request timeout', async () => {
    const { socket, done } = open(c.url);
    socket.write(head(c.mintRunToken(testClaims('slow')), 1024 * 1024));
    socket.write(Buffer.alloc(10));
    expect(await done).toMatch(/^HTTP\/1.1 408/);
  });

  it('answers 429 before reading a body that would take the in-flight bodies past their budget', async () => {
    const token = c.mintRunToken(testClaims('big'));
    const first = open(c.url);
    first.socket.write(head(token, 7 * 1024 * 1024)); // admitted: within the 10 MiB budget
    await new Promise((r) => first.socket.write(Buffer.alloc(1024), r));
    // Answered after the server has read what reached it before: the first request's headers.
    await (await request(`${c.url}/healthz`)).body.dump();
    const second = open(c.url);
    second.socket.write(head(token, 7 * 1024 * 1024));
    const answer = await second.done;
    expect(answer).toMatch(/^HTTP\/1.1 429/);
    expect(answer.toLowerCase()).toContain('retry-after: 1');
    expect(answer).toContain('request bodies (limit 10485760); retry');
    first.socket.destroy();
    await first.done;
  });

  it('closes connections past the cap as they are accepted', async () => {
    const held = Array.from({ length: 8 }, () => open(c.url));
    await Promise.all(held.map((h) => new Promise((r) => h.socket.once('connect', r))));
    // The server counts a connection once it has accepted it: an answered request proves all 8 are in.
    held[0].socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => held[0].socket.once('data', r));
    const extra = open(c.url);
    expect(await extra.done).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.done));
  });

  it('logs every 5xx with the request id its response carries, with the logger off', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const res = await request(`${c.url}/boom`);
      expect(res.statusCode).toBe(500);
      const id = res.headers['x-request-id'] as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const body = (await res.body.json()) as { error: string; requestId: string };
      expect(body).toEqual({ error: `internal error (see the collector log, request ${id})`, requestId: id });
      const logged = spy.mock.calls.map((call) => String(call[0])).join('');
      expect(logged).toContain(`kiln collector: request ${id} GET /boom failed: Error: the store fell over`);
    } finally {
      spy.mockRestore();
    }
  });
});

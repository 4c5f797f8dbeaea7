// The collector client speaks TLS to an https collector (node:https is loaded for it alone:
// collector/client/http-client.ts). A real TLS server on loopback with a certificate made here:
// the client trusts only the system's, so the handshake itself is what it reports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorClient } from '../../collector/client/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-client-https-'));
let server: ReturnType<typeof createServer>;
let url: string;
let requests = 0;

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (_req, res) => {
      requests++;
      res.end('{}');
    },
  );
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

describe('the collector client with an https collector', () => {
  it('makes a TLS connection, and says why it cannot trust the certificate', async () => {
    const failure = await new CollectorClient(url).getRun('r1').catch((err: unknown) => err as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(
      new RegExp(`cannot reach the collector at ${url}: .*self[- ]signed certificate`),
    );
    expect(requests).toBe(0);
  });
});

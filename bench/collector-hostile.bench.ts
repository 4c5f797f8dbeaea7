// A collector process (SQLite) under a bounded hostile load on loopback, its RSS beside its idle
// RSS in the same run: N unfinished 7 MiB log bodies without a valid token (refused before the
// body is read), the same with a valid run token (buffered until the request timeout), and M
// slow-body connections (a byte a second, valid token), counted while open and after the timeout.
// KILN_BENCH_HOSTILE_BODIES (default 60), KILN_BENCH_HOSTILE_SLOW (default 300) and
// KILN_BENCH_HOSTILE_TIMEOUT_MS (the collector's request timeout here, default 10 000) scale it.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintRunToken } from '../collector/index.js';
import { PROTOBUF_MEDIA_TYPE } from '../contract/log-wire/index.js';
import { rssMb, startChildCollector } from '../testkit/collector-process-stats.js';
import { testClaims } from '../testkit/store-fixtures.js';

const BODIES = Number(process.env.KILN_BENCH_HOSTILE_BODIES ?? 60);
const SLOW = Number(process.env.KILN_BENCH_HOSTILE_SLOW ?? 300);
const TIMEOUT_MS = Number(process.env.KILN_BENCH_HOSTILE_TIMEOUT_MS ?? 10_000);
const BODY = 7 * 1024 * 1024;
const SECRET = 'bench-secret';
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-hostile-'));
const c = await startChildCollector(dir, SECRET, { requestTimeoutMs: TIMEOUT_MS });
const { hostname, port } = new URL(c.url);
const token = mintRunToken(SECRET, testClaims('hostile'));

interface Conn {
  socket: Socket;
  closed: boolean;
}

function open(auth: string | null, length: number): Conn {
  const socket = connect(Number(port), hostname);
  const conn = { socket, closed: false };
  socket.on('error', () => undefined);
  socket.on('close', () => (conn.closed = true));
  socket.resume();
  socket.write(
    `POST /v1/logs HTTP/1.1\r\nhost: x\r\ncontent-type: ${PROTOBUF_MEDIA_TYPE}\r\ncontent-length: ${length}\r\n` +
      (auth ? `authorization: Bearer ${auth}\r\n` : '') +
      '\r\n',
  );
  return conn;
}

/** Sends all of a 7 MiB body but its last byte on each connection; answers the peak RSS over `ms`. */
async function unfinishedBodies(
  auth: string | null,
  ms: number,
): Promise<{ peak: number; open: number; conns: Conn[] }> {
  const conns = Array.from({ length: BODIES }, () => open(auth, BODY));
  const chunk = Buffer.alloc(64 * 1024, 0x0a);
  for (const conn of conns) {
    for (let sent = 0; sent < BODY - 1 && !conn.closed; sent += chunk.length) {
      const n = Math.min(chunk.length, BODY - 1 - sent);
      if (!conn.socket.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
        await Promise.race([new Promise((r) => conn.socket.once('drain', r)), sleep(200)]);
    }
  }
  let peak = 0;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) peak = Math.max(peak, rssMb(c.proc.pid!));
  return { peak, open: conns.filter((x) => !x.closed).length, conns };
}

const close = (conns: Conn[]) => conns.forEach((x) => x.socket.destroy());

try {
  const idle = rssMb(c.proc.pid!);
  const refused = await unfinishedBodies(null, 2000);
  close(refused.conns);
  const buffered = await unfinishedBodies(token, 2000);
  close(buffered.conns);
  const slow = Array.from({ length: SLOW }, () => open(token, 1024 * 1024));
  const drip = setInterval(() => slow.forEach((x) => x.closed || x.socket.write('\n')), 1000);
  await sleep(2000);
  const slowOpen = slow.filter((x) => !x.closed).length;
  const slowRss = rssMb(c.proc.pid!);
  await sleep(TIMEOUT_MS + 1000);
  const slowAfter = slow.filter((x) => !x.closed).length;
  clearInterval(drip);
  close(slow);
  const mb = (v: number) => `${v.toFixed(0)} MB`;
  console.log(`collector RSS, idle: ${mb(idle)} (request timeout ${TIMEOUT_MS} ms in this run)`);
  console.log(
    `  ${BODIES} unfinished 7 MiB bodies, no valid token: peak ${mb(refused.peak)}; ${refused.open} connections left open`,
  );
  console.log(
    `  ${BODIES} unfinished 7 MiB bodies, valid run token: peak ${mb(buffered.peak)}; ${buffered.open} admitted and held until the request timeout, the rest answered 429`,
  );
  console.log(
    `  ${SLOW} slow-body connections (a byte a second, valid token): ${slowOpen} open, ${mb(slowRss)}; after ${TIMEOUT_MS + 1000} ms: ${slowAfter} open`,
  );
} finally {
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
}

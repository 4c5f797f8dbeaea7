// The log proxy's real I/O: spool and post files, positions on disk (atomic rename), a change
// watch with a polling fallback, and the collector over HTTP with Node's own http client: the
// undici package cost every proxy's start more than its first batch did (`require('undici')`
// 190–370 ms against 16–21 ms for node:http on the loaded 2-core machine), and one keep-alive
// connection with requests in order is all the proxy asks of a client.
import { existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
// The framing of contract/log-frame.ts, not contract/log-wire/'s generated code: no protobufjs in the proxy.
import {
  ERR_SUFFIX,
  frameLogBatch,
  PROTOBUF_MEDIA_TYPE,
  readLogAck,
  spoolFileIn,
  spoolGateFile,
  spoolGateText,
} from '../../contract/index.js';
import { TransientSendError, type ProxyIO, type StepBatch } from './core.js';
import { InPlaceFiles, positionText, readPositionFile } from './state-files.js';
import { Wake } from './wake.js';

export interface ProxyIOConfig {
  runDir: string;
  logDir: string;
  stateDir: string;
  collector?: string;
  token?: string;
  pipelineRun: string;
  taskRun: string;
}

/** A send the collector refused for good (401, 403, 400, 413): retrying cannot help. */
export class SendRefusedError extends Error {}

/** The proxy's real I/O; `wake()` ends its wait as a change would (kiln-agent host: a step's end). */
export type LiveProxyIO = ProxyIO & { wake(): void; close(): Promise<void> };

export function createProxyIO(cfg: ProxyIOConfig): LiveProxyIO {
  mkdirSync(cfg.stateDir, { recursive: true });
  mkdirSync(cfg.logDir, { recursive: true });
  const changes = new Wake();
  const wake = () => changes.wake();
  const watchers: FSWatcher[] = [];
  /** Watches a directory for as long as it can; none (no inotify, an error): polling keeps going. */
  const watchDir = (dir: string) => {
    try {
      const w = watch(dir, wake);
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      /* the polling fallback alone */
    }
  };
  watchDir(cfg.logDir);
  // A step's post file ends it: watched in its directory, and the run directory for the step's
  // directory to appear, so the last batch of a step goes when it ends, not at the next poll up to
  // idleWaitMs later. Never made here: in a Pod the proxy's user is not the steps', and a
  // directory of its own would keep a step from writing its post file.
  const watched = new Set<string>();
  const watchOnce = (dir: string) => {
    if (watched.has(dir) || !existsSync(dir)) return;
    watched.add(dir);
    watchDir(dir);
  };
  const watchStep = (i: number) => {
    watchOnce(cfg.runDir);
    watchOnce(stepDir(i));
  };
  const pool = cfg.collector ? collectorConnection(cfg.collector) : null;
  let readBuffer = Buffer.alloc(0);
  const spoolHandles = new Map<number, FileHandle>();
  const stateFiles = new InPlaceFiles();
  const positionFile = (i: number) => join(cfg.stateDir, `${i}.position`);
  const stepDir = (i: number) => join(cfg.runDir, String(i));

  const io: LiveProxyIO = {
    spoolName: (i) => spoolFileIn(cfg.logDir, i),
    async readSpool(i, offset, maxBytes) {
      // Opened once, kept until close(): a spool is only ever appended to, never replaced, so
      // every batch need not pay an open and a close per step.
      let fh = spoolHandles.get(i);
      if (!fh) {
        try {
          fh = await open(spoolFileIn(cfg.logDir, i), 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
          throw err;
        }
        spoolHandles.set(i, fh);
      }
      // One buffer for every step, reused: allocating a fresh batch's worth per read left the heap to
      // the GC's pace, and a buffer per step held a batch's worth for each step of a long task.
      if (readBuffer.length < maxBytes) readBuffer = Buffer.allocUnsafeSlow(maxBytes);
      const buf = readBuffer;
      const { bytesRead } = await fh.read(buf, 0, maxBytes, offset);
      return buf.subarray(0, bytesRead);
    },
    async stepEnded(i) {
      watchStep(i); // before looking, so a post file written meanwhile is seen or wakes the wait
      const post = join(stepDir(i), 'out');
      return existsSync(post) || existsSync(post + ERR_SUFFIX);
    },
    loadPosition: async (i) => readPositionFile(positionFile(i)),
    savePosition: async (i, p) => stateFiles.write(positionFile(i), positionText(p)),
    async setGate(i, size) {
      const gate = spoolGateFile(spoolFileIn(cfg.logDir, i));
      if (size === null) stateFiles.remove(gate);
      else stateFiles.write(gate, spoolGateText(size));
    },
    async spoolSize(i) {
      try {
        return (await stat(spoolFileIn(cfg.logDir, i))).size;
      } catch {
        return 0;
      }
    },
    waitForChange: (ms) => changes.wait(ms),
    wake,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
    warn: (m) => process.stderr.write(`kiln-agent log-proxy: ${m}\n`),
    async close() {
      for (const w of watchers) w.close();
      await Promise.all([...spoolHandles.values()].map((fh) => fh.close()));
      spoolHandles.clear();
      stateFiles.closeAll();
      pool?.close();
    },
  };
  if (pool) io.send = (steps) => sendBatch(pool, cfg, steps);
  return io;
}

/** Requests to the collector, one at a time and in order, over one keep-alive connection. */
interface CollectorConnection {
  /** POSTs the concatenation of `body`'s buffers, written together (one writev). */
  post(path: string, body: Buffer[], headers: Record<string, string>): Promise<{ status: number; body: Buffer }>;
  close(): void;
}

const TIMEOUT_MS = 30_000;

function collectorConnection(collector: string): CollectorConnection {
  const url = new URL(collector);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // https only loads TLS when a collector is reached through it.
  const send =
    url.protocol === 'https:'
      ? import('node:https').then((https) => ({
          request: https.request,
          agent: new https.Agent({ keepAlive: true, maxSockets: 1 }),
        }))
      : Promise.resolve({ request: httpRequest, agent });
  return {
    async post(path, body, headers) {
      const { request, agent: via } = await send;
      const options: RequestOptions = {
        agent: via,
        method: 'POST',
        path: url.pathname.replace(/\/$/, '') + path,
        headers: { ...headers, 'content-length': String(body.reduce((n, b) => n + b.length, 0)) },
      };
      return new Promise((resolve, reject) => {
        const req = request(url, options, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
          res.on('close', () => res.complete || reject(new Error('the answer was cut off')));
        });
        req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
        req.on('error', reject);
        req.cork();
        for (const b of body) req.write(b);
        req.uncork();
        req.end();
      });
    },
    close() {
      agent.destroy();
      void send.then((s) => s.agent.destroy());
    },
  };
}

async function sendBatch(
  pool: CollectorConnection,
  cfg: ProxyIOConfig,
  steps: StepBatch[],
): Promise<Map<string, number>> {
  // The frames point at the batch's packed bytes (its own buffers), not a copy of them.
  const body = frameLogBatch(
    cfg.pipelineRun,
    cfg.taskRun,
    steps.map((s) => ({ ...s, lines: s.lines! })),
  );
  let res;
  try {
    res = await pool.post('/v1/logs', body, {
      'content-type': PROTOBUF_MEDIA_TYPE,
      accept: PROTOBUF_MEDIA_TYPE,
      ...(cfg.token ? { authorization: `Bearer ${cfg.token}` } : {}),
    });
  } catch (err) {
    throw new TransientSendError(`cannot reach the collector at ${cfg.collector}: ${(err as Error).message}`);
  }
  const answer = res.body;
  if (res.status >= 500 || res.status === 429) throw new TransientSendError(`the collector answered ${res.status}`);
  if (res.status !== 200)
    throw new SendRefusedError(`the collector refused the batch (${res.status}): ${answer.toString().slice(0, 500)}`);
  try {
    return readLogAck(answer);
  } catch (err) {
    throw new SendRefusedError(`the collector's ack is not a kiln.v1.LogAck: ${(err as Error).message}`);
  }
}

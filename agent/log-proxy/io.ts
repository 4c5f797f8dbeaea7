// The log proxy's real I/O: spool and post files, positions on disk (atomic rename), a change
// watch with a polling fallback, and the collector over HTTP with undici.
import { existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'undici';
import { LogAck, LogBatch, PROTOBUF_MEDIA_TYPE } from '../../contract/log-wire/index.js';
import { ERR_SUFFIX, spoolFileIn, spoolGateFile } from '../../contract/index.js';
import { TransientSendError, type ProxyIO, type StepBatch, type StepPosition } from './core.js';

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

export function createProxyIO(cfg: ProxyIOConfig): ProxyIO & { close(): Promise<void> } {
  mkdirSync(cfg.stateDir, { recursive: true });
  mkdirSync(cfg.logDir, { recursive: true });
  const waiters = new Set<() => void>();
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(cfg.logDir, () => {
      for (const w of waiters) w();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    }); // polling keeps going
  } catch {
    /* no inotify: the polling fallback alone */
  }
  const pool = cfg.collector ? new Pool(cfg.collector, { connections: 1, keepAliveTimeout: 30_000 }) : null;
  const readBuffers = new Map<number, Buffer>();
  const spoolHandles = new Map<number, FileHandle>();
  const positionFile = (i: number) => join(cfg.stateDir, `${i}.json`);
  const stepDir = (i: number) => join(cfg.runDir, String(i));

  const io: ProxyIO & { close(): Promise<void> } = {
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
      // One buffer a step, reused: allocating a fresh megabyte per read left the heap to the GC's pace.
      let buf = readBuffers.get(i);
      if (!buf || buf.length < maxBytes) readBuffers.set(i, (buf = Buffer.allocUnsafeSlow(maxBytes)));
      const { bytesRead } = await fh.read(buf, 0, maxBytes, offset);
      return buf.subarray(0, bytesRead);
    },
    async stepEnded(i) {
      const post = join(stepDir(i), 'out');
      return existsSync(post) || existsSync(post + ERR_SUFFIX);
    },
    async loadPosition(i) {
      try {
        const p = JSON.parse(await readFile(positionFile(i), 'utf8')) as StepPosition;
        return Number.isSafeInteger(p.offset) && Number.isSafeInteger(p.seq)
          ? { offset: p.offset, seq: p.seq, eof: !!p.eof }
          : null;
      } catch {
        return null;
      }
    },
    savePosition: (i, p) => replaceFile(positionFile(i), JSON.stringify(p)),
    async setGate(i, size) {
      const gate = spoolGateFile(spoolFileIn(cfg.logDir, i));
      if (size === null) await rm(gate, { force: true });
      else await replaceFile(gate, String(size));
    },
    async spoolSize(i) {
      try {
        return (await stat(spoolFileIn(cfg.logDir, i))).size;
      } catch {
        return 0;
      }
    },
    waitForChange(ms) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.add(done);
      });
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
    warn: (m) => process.stderr.write(`kiln-agent log-proxy: ${m}\n`),
    async close() {
      watcher?.close();
      await Promise.all([...spoolHandles.values()].map((fh) => fh.close()));
      spoolHandles.clear();
      await pool?.close();
    },
  };
  if (pool) io.send = (steps) => sendBatch(pool, cfg, steps);
  return io;
}

/** Writes a file whole or not at all (a temporary file renamed over it): readers never see half. */
async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    // A half-written temporary file is nothing: leave none behind.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

async function sendBatch(pool: Pool, cfg: ProxyIOConfig, steps: StepBatch[]): Promise<Map<string, number>> {
  const body = LogBatch.encode({
    pipelineRun: cfg.pipelineRun,
    taskRun: cfg.taskRun,
    steps: steps.map((s) => ({
      step: s.step,
      stepIndex: s.stepIndex,
      eof: s.eof,
      firstSeq: s.firstSeq,
      ...s.lines,
    })),
  }).finish();
  let res;
  try {
    res = await pool.request({
      path: '/v1/logs',
      method: 'POST',
      body,
      headers: {
        'content-type': PROTOBUF_MEDIA_TYPE,
        accept: PROTOBUF_MEDIA_TYPE,
        ...(cfg.token ? { authorization: `Bearer ${cfg.token}` } : {}),
      },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (err) {
    throw new TransientSendError(`cannot reach the collector at ${cfg.collector}: ${(err as Error).message}`);
  }
  const answer = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode >= 500 || res.statusCode === 429)
    throw new TransientSendError(`the collector answered ${res.statusCode}`);
  if (res.statusCode !== 200)
    throw new SendRefusedError(
      `the collector refused the batch (${res.statusCode}): ${answer.toString().slice(0, 500)}`,
    );
  const ack = LogAck.decode(answer);
  return new Map((ack.steps ?? []).map((s) => [s.step ?? '', Number(s.nextSeq ?? 0)]));
}

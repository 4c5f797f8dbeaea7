// The SQLite store's file: a new one has 16 KiB pages, an existing one keeps its own; the
// checkpointer on a real database in WAL mode, whose pages reach the database file through the
// worker's checkpoint, not the writer's; and a worker that cannot open the database hands
// checkpoints back to the writer (SQLite's default autocheckpoint).
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeLogBatch } from '../../collector/decode.js';
import { openSqliteStore, StoreUnreadable } from '../../collector/store/sqlite.js';
import { LogBatch, packLines } from '../../contract/log-wire/index.js';
import { SqliteCheckpointer } from '../../collector/store/sqlite-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-checkpoint-'));
  dirs.push(dir);
  const path = join(dir, 'kiln.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (v TEXT)');
  // 1 MiB: under SQLite's own autocheckpoint (1000 pages), so only a checkpoint of ours moves it.
  db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(1024 * 1024));
  return { db, path };
}

/** The page size in a SQLite file's header (bytes 16–17, big-endian). */
const pageSizeOf = (path: string) => readFileSync(path).readUInt16BE(16);

describe('SQLite store file', () => {
  it('is made with 16 KiB pages; a database made before keeps its 4 KiB ones', async () => {
    const { db, path } = walDatabase();
    db.close();
    const older = await openSqliteStore({ path });
    await older.close();
    expect(pageSizeOf(path)).toBe(4096);
    const fresh = join(dirs[0], 'fresh.db');
    const store = await openSqliteStore({ path: fresh });
    await store.close();
    expect(pageSizeOf(fresh)).toBe(16_384);
  });
});

describe('SQLite store file that is not a database', () => {
  it('is refused with StoreUnreadable (path, reason, a hint), written or read, and left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-unreadable-'));
    dirs.push(dir);
    const path = join(dir, 'kiln.db');
    const text = 'this is not a SQLite database, not even its header\n'.repeat(200);
    writeFileSync(path, text);
    for (const readonly of [false, true]) {
      const err = await openSqliteStore({ path, readonly }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnreadable);
      expect(err).toMatchObject({ code: 'store-unreadable', path, reason: 'file is not a database', exitCode: 70 });
      expect((err as StoreUnreadable).hint).toContain(`mv ${path} ${path}.unreadable`);
    }
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});

describe('SQLite chunk text', () => {
  it('stores ASCII lines sent as bytes as TEXT values, read back and searched as strings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-chunk-text-'));
    dirs.push(dir);
    const path = join(dir, 'kiln.db');
    const store = await openSqliteStore({ path });
    const texts = ['plain ascii', '', 'needle 100% here', 'nul\u0000inside'];
    const batch = decodeLogBatch(
      LogBatch.encode({
        pipelineRun: 'r',
        taskRun: 't',
        steps: ['bytes', 'nul'].map((step, stepIndex) => ({
          step,
          stepIndex,
          eof: true,
          firstSeq: 0,
          ...packLines(
            (stepIndex ? texts : texts.slice(0, 3)).map((t) => ({ stream: 'o', timeMs: 5, data: Buffer.from(t) })),
          ),
        })),
      }).finish(),
    );
    // What the collector hands the store: the request's bytes, unless a NUL had to be replaced.
    expect(batch.steps.map((s) => Buffer.isBuffer(s.lines.text))).toEqual([true, false]);
    await store.ingest(batch);
    const page = await store.readLogs({ runId: 'r', step: 'bytes', limit: 10 });
    expect(page.lines.map((l) => l.text)).toEqual(texts.slice(0, 3));
    const hits = await store.search({ text: '100%', runId: 'r', limit: 10 });
    expect(hits.map((h) => [h.step, h.text])).toEqual([
      ['bytes', 'needle 100% here'],
      ['nul', 'needle 100% here'],
    ]);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT DISTINCT typeof(text) AS t FROM log_chunks').all()).toEqual([{ t: 'text' }]);
    db.close();
  });
});

describe('SqliteCheckpointer', () => {
  it("copies the WAL into the database file from its worker, past `every` bytes, and bounds the writer's own", async () => {
    const { db, path } = walDatabase();
    const before = statSync(path).size;
    expect(before).toBeLessThan(64 * 1024);
    const c = new SqliteCheckpointer(db, path, 512 * 1024);
    c.wrote(100); // under `every`: nothing yet
    await c.settled();
    expect(c.done).toBe(0);
    c.wrote(1024 * 1024);
    await c.settled();
    expect(c.done).toBe(1);
    expect(statSync(path).size).toBeGreaterThan(1024 * 1024);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(65_536);
    await c.close();
    db.close();
  });

  it("leaves the writer's own checkpoints only as the bound, from the start", async () => {
    const { db, path } = walDatabase();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000); // SQLite's default
    const c = new SqliteCheckpointer(db, path, 256 * 1024, 4 * 1024 * 1024, 600_000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(65_536); // 256 MiB of 4 KiB pages
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(64 * 1024 * 1024);
    await c.close();
    db.close();
  });

  it('waits for the writes to rest before it checkpoints', async () => {
    const { db, path } = walDatabase();
    const c = new SqliteCheckpointer(db, path, 256 * 1024, 4 * 1024 * 1024, 100);
    c.wrote(1024 * 1024); // past `every`: waits for a rest
    const restAt = performance.now();
    expect(c.done).toBe(0);
    await c.settled();
    expect(c.done).toBe(1);
    expect(performance.now() - restAt).toBeGreaterThanOrEqual(90);
    await c.close();
    db.close();
  });

  it('under a flood checkpoints at the busy bound without waiting for a rest', async () => {
    const { db, path } = walDatabase();
    // A rest longer than the test: only the bound can start a checkpoint.
    const c = new SqliteCheckpointer(db, path, 256 * 1024, 4 * 1024 * 1024, 600_000);
    for (let i = 0; i < 3; i++) c.wrote(1024 * 1024);
    expect(c.done).toBe(0);
    c.wrote(1024 * 1024); // 4 MiB: the bound
    await c.settled();
    expect(c.done).toBe(1);
    expect(statSync(path).size).toBeGreaterThan(1024 * 1024);
    await c.close();
    db.close();
  });

  it('starts nothing once closed, even when the checkpoint it waited for ends with writes pending', async () => {
    const { db, path } = walDatabase();
    const c = new SqliteCheckpointer(db, path, 256 * 1024, 1024 * 1024, 50);
    c.wrote(1024 * 1024); // the bound: a checkpoint starts
    c.wrote(512 * 1024); // more while it runs: past `every` again, waiting for a rest
    await c.close();
    db.close();
    // A rest timer set again by the checkpoint's end would start one on the closed database here.
    await c.settled();
    expect(c.done).toBe(1);
  });

  it('starts its worker ahead on startWorker(), once, and checkpoints with it', async () => {
    const { db, path } = walDatabase();
    const threads = () => readdirSync('/proc/self/task').length;
    const c = new SqliteCheckpointer(db, path, 256 * 1024, 4 * 1024 * 1024, 600_000);
    const before = threads();
    c.startWorker(); // no write yet: the thread exists from here
    const started = threads();
    expect(started).toBeGreaterThan(before);
    c.startWorker();
    for (let i = 0; i < 4; i++) c.wrote(1024 * 1024); // the bound: a checkpoint, in the same worker
    await c.settled();
    expect(c.done).toBe(1);
    expect(threads()).toBe(started);
    await c.close();
    db.close();
  });

  it('starts with the store only for a long-lived one (kiln collector, kiln serve)', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ckpt-open-'));
    try {
      await stat(dir); // libuv's thread pool, made on the first asynchronous fs call, is there before counting
      const before = threads();
      const short = await openSqliteStore({ path: join(dir, 'short.db') });
      expect(threads()).toBe(before);
      const long = await openSqliteStore({ path: join(dir, 'long.db'), checkpointWorkerAtOpen: true });
      expect(threads()).toBeGreaterThan(before);
      await Promise.all([short.close(), long.close()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives checkpoints back to the writer when a worker started ahead cannot open the database', async () => {
    const { db } = walDatabase();
    const c = new SqliteCheckpointer(db, join(tmpdir(), 'kiln-no-such-dir', 'none.db'), 1);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).not.toBe(1000);
    c.startWorker(); // fails in the worker, before any write
    await vi.waitFor(() => expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000), { timeout: 10_000 });
    await c.close();
    db.close();
  });

  it('gives checkpoints back to the writer when the worker cannot open the database', async () => {
    const { db } = walDatabase();
    const c = new SqliteCheckpointer(db, join(tmpdir(), 'kiln-no-such-dir', 'none.db'), 1);
    c.wrote(10);
    await c.settled();
    expect(c.done).toBe(0);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    c.wrote(10); // no worker again
    await c.settled();
    expect(c.done).toBe(0);
    await c.close();
    db.close();
  });
});

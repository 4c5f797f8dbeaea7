// SQLite's WAL checkpoints off the ingest path. A checkpoint copies the WAL's pages into the
// database and, with synchronous=NORMAL, fsyncs both files: run by the writing connection (SQLite's
// autocheckpoint, every 1000 pages), it held the collector's event loop for most of its ingest
// time under a flood of logs (64 MB of lines: ≈ 0.6 s of the collector's 2 s, waiting on the
// disk). Here, once a store has taken CHECKPOINT_EVERY_BYTES of logs, a worker thread with its own
// connection runs a passive checkpoint beside the writer (WAL lets a checkpoint run while others
// write): when the writes rest for QUIET_MS, or at once when BUSY_BOUND_BYTES have come without a
// rest. A checkpoint every 8 MiB under a flood took the CPU from the ingest it ran beside (the
// machine has two cores for the step, the log proxy and the collector); waiting for a rest moves
// most of that work after the flood, and the busy bound keeps the WAL's unchecked part to tens of MiB.
// Durability is unchanged: commits are what they were, and
// checkpoints are the same operation on another thread. Small stores (most `kiln run`s) never start
// the worker: closing the database checkpoints it. The writer's own autocheckpoint is a bound at
// WAL_BOUND_BYTES, and comes back to SQLite's default should the worker fail.
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';

export const CHECKPOINT_EVERY_BYTES = 8 * 1024 * 1024;
/** Written bytes past which a checkpoint starts without waiting for the writes to rest. */
const BUSY_BOUND_BYTES = 32 * 1024 * 1024;
/** A pause in the writes this long starts a checkpoint of what they left. */
const QUIET_MS = 100;
/**
 * The WAL the writer lets grow before it checkpoints itself. Under a flood the worker's passive
 * checkpoints never leave the WAL wholly copied when the writer starts its next transaction, so
 * the WAL is not restarted and grows until this bound, where the writer checkpoints on the event
 * loop: with 64 MiB a flood of 64 MB of lines met it at its end (a stall of 30–70 ms of fsyncs in
 * strace, the batches behind it waiting). Once the writes rest the worker copies it all and the
 * next write restarts the WAL, which WAL_KEEP_BYTES then truncates.
 */
const WAL_BOUND_BYTES = 256 * 1024 * 1024;
/** The WAL file's size left on disk after it restarts (journal_size_limit). */
const WAL_KEEP_BYTES = 64 * 1024 * 1024;
/** SQLite's own autocheckpoint, in pages. */
const SQLITE_DEFAULT_PAGES = 1000;

// Plain CommonJS for an eval'd worker. better-sqlite3 is loaded from its resolved path the way the
// single-executable build loads it (createRequire), so the worker finds it wherever the CLI does.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('node:module').createRequire(workerData.module)(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage(null);
  } catch (err) {
    parentPort.postMessage(String((err && err.message) || err));
  }
});
`;

export class SqliteCheckpointer {
  private worker: Worker | null = null;
  private written = 0;
  private running: Promise<void> | null = null;
  private failed = false;
  /** close() was called: nothing starts any more (a checkpoint it waited for may end with writes pending). */
  private closed = false;
  private quiet: { timer: NodeJS.Timeout; fired: Promise<void>; fire: () => void } | null = null;
  /** Checkpoints the worker has finished. */
  done = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly every = CHECKPOINT_EVERY_BYTES,
    private readonly busyBound = Math.max(every, BUSY_BOUND_BYTES),
    private readonly quietMs = QUIET_MS,
  ) {
    // The writer's own autocheckpoint is only the bound, from the start: SQLite's default (1000
    // pages) had the writer checkpoint itself, fsyncs and all, on the event loop before the worker
    // took over — at 16 MiB of WAL under a flood, and sooner with small batches, whose
    // transactions each add pages beyond their lines' bytes (strace of 64 MB: stalls of 40–140 ms).
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`wal_autocheckpoint = ${Math.ceil(WAL_BOUND_BYTES / pageSize)}`);
    db.pragma(`journal_size_limit = ${WAL_KEEP_BYTES}`);
  }

  /**
   * Counts bytes the store wrote; past `every` of them, a checkpoint in the worker (one at a time)
   * once the writes rest, or at once past busyBound.
   */
  wrote(bytes: number): void {
    this.written += bytes;
    if (this.written < this.every || this.failed || this.closed) return;
    if (this.written >= this.busyBound) this.checkpoint();
    else this.restartQuietTimer();
  }

  /** (Re)starts the wait for a rest in the writes; a timer, not a promise chain, per batch. */
  private restartQuietTimer(): void {
    if (this.quiet) {
      this.quiet.timer.refresh();
      return;
    }
    let fire = () => {};
    const fired = new Promise<void>((resolve) => (fire = resolve));
    const timer = setTimeout(() => {
      this.quiet = null;
      this.checkpoint();
      fire();
    }, this.quietMs);
    timer.unref(); // a collector that is exiting closes the database, which checkpoints it
    this.quiet = { timer, fired, fire };
  }

  private checkpoint(): void {
    if (this.running) return; // the next write or rest starts another
    if (this.quiet) {
      clearTimeout(this.quiet.timer);
      this.quiet.fire();
      this.quiet = null;
    }
    this.written = 0;
    const worker = this.worker ?? this.start();
    if (!worker) return;
    this.running = new Promise<void>((resolve) => {
      const settle = (error: string | null) => {
        worker.off('message', settle);
        worker.off('error', fail);
        this.running = null;
        if (error === null) this.done++;
        else this.fallBack();
        // Writes that came while it ran wait for the next rest, not for the next write.
        if (this.written >= this.every && !this.failed && !this.closed) this.restartQuietTimer();
        resolve();
      };
      const fail = (err: Error) => settle(err.message);
      worker.on('message', settle);
      worker.once('error', fail);
      worker.postMessage(null);
    });
  }

  /**
   * Starts the worker now rather than at the first checkpoint, which comes in the middle of a
   * store's first flood of logs: for a collector that serves for long (`kiln collector`, `kiln
   * serve`). Its start (a Node isolate, better-sqlite3, a connection: ≈ 50 ms of CPU) then ran beside
   * that flood: the first 64 MB of bench/logs-e2e 396–445 ms against 374–392 ms started ahead
   * (six interleaved pairs, the collector's CPU 320–360 against 260–310 ms).
   */
  startWorker(): void {
    if (!this.worker && !this.failed && !this.closed) this.start();
  }

  /** Resolves once no checkpoint is waiting for a rest or running. */
  async settled(): Promise<void> {
    await this.quiet?.fired;
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.quiet) {
      clearTimeout(this.quiet.timer);
      this.quiet.fire();
      this.quiet = null;
    }
    await this.running;
    await this.worker?.terminate();
    this.worker = null;
  }

  private start(): Worker | null {
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      // Loaded here, by the few stores that start the worker: node:worker_threads took ≈ 3.5 ms to
      // load, in every `kiln run`'s embedded collector start.
      const { Worker } = process.getBuiltinModule('node:worker_threads');
      this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, path: this.path } });
    } catch {
      this.fallBack();
      return null;
    }
    // An idle worker must not keep the process alive; a worker that fails (at start too) is dropped.
    this.worker.unref();
    this.worker.on('error', () => this.fallBack());
    return this.worker;
  }

  /** The worker cannot checkpoint: the writer does it again, as SQLite does by default. */
  private fallBack(): void {
    this.failed = true;
    this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    void this.worker?.terminate();
    this.worker = null;
  }
}

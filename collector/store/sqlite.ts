// The embedded store: better-sqlite3 in WAL mode. Synchronous underneath; the async interface is
// for parity with PostgreSQL.
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from './sqlite-addon.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KilnError, type RunRecord } from '../../contract/index.js';
import {
  likePattern,
  startedMsOf,
  type IngestInput,
  type LogPage,
  type LogQuery,
  type LogStreamInfo,
  type RetentionPolicy,
  type RunListQuery,
  type RunSummary,
  type SearchHit,
  type StepAck,
  type Store,
} from './types.js';
import {
  linesToStore,
  readLogPage,
  retentionSql,
  runsSql,
  searchChunks,
  type LineSqlRow,
  type LogPrimitives,
  type SearchChunkRow,
  type StreamRow,
} from './shared.js';
import { lineMatcher, type ChunkRow } from './chunk-codec.js';
import { migrateLineRows, StoreNeedsMigration } from './migrate-lines.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, status TEXT NOT NULL,
  started_ms INTEGER NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_pipeline ON runs (pipeline, started_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, started_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_pipeline_status ON runs (pipeline, status, started_ms DESC, id DESC);
CREATE TABLE IF NOT EXISTS log_streams (
  id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, task_run TEXT NOT NULL, step TEXT NOT NULL,
  step_index INTEGER NOT NULL, next_seq INTEGER NOT NULL DEFAULT 0, eof INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, task_run, step));
CREATE TABLE IF NOT EXISTS log_chunks (
  stream_id INTEGER NOT NULL, end_seq INTEGER NOT NULL, first_seq INTEGER NOT NULL, meta BLOB NOT NULL,
  text TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS log_chunks_by_stream ON log_chunks (stream_id, end_seq);
CREATE TABLE IF NOT EXISTS task_results (
  run_id TEXT NOT NULL, task_run TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,
  PRIMARY KEY (run_id, task_run, name));
`;

/** `db.prepare` once per distinct SQL text (callers build statements from a bounded set of shapes). */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
}

export interface SqliteStoreOptions {
  path: string;
  readonly?: boolean;
  /** Bytes of logs between two checkpoints in the checkpointer's worker (sqlite-checkpointer.ts). */
  checkpointEvery?: number;
  /** Start the checkpointer's worker with the store, not at its first checkpoint: a long-lived store. */
  checkpointWorkerAtOpen?: boolean;
}

/** The file at the store's path is not a database SQLite can read: another file, or a damaged one. */
export class StoreUnreadable extends KilnError {
  readonly code = 'store-unreadable';
  readonly exitCode = 70;
  readonly hint: string;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} cannot be opened as Kiln's history: ${reason}`);
    this.hint = `move it aside (mv ${path} ${path}.unreadable) and run again: a new history starts there; sqlite3's .recover may save what the old file holds`;
  }
}

/** SQLite's answers for a file that is not a readable database. */
const UNREADABLE = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  if (!opts.readonly && opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
    nativeBinding: sqliteNativeBinding(),
  });
  let lineRows: boolean;
  try {
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      // 16 KiB pages for a new database (an existing one keeps its own): a log chunk (up to 256 Ki
      // characters) spans a quarter of the overflow pages, and SQLite's writes of 64 MB of chunks
      // took half the system time of 4 KiB pages (bench/logs-e2e.bench.ts's volume, one run).
      db.pragma('page_size = 16384');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    }
    lineRows = hasTable(db, 'log_lines');
  } catch (err) {
    db.close();
    const code = (err as { code?: unknown }).code;
    throw typeof code === 'string' && UNREADABLE.has(code)
      ? new StoreUnreadable(opts.path, (err as Error).message)
      : err;
  }
  const checkpointer =
    opts.readonly || opts.path === ':memory:' ? null : new SqliteCheckpointer(db, opts.path, opts.checkpointEvery);
  if (opts.checkpointWorkerAtOpen) checkpointer?.startWorker();
  return lineRows ? migrate(db, opts, checkpointer) : sqliteStore(db, checkpointer);
}

const hasTable = (db: Database.Database, name: string) =>
  !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);

/** Moves an older database's line rows into chunks (see migrate-lines.ts), then opens it. */
async function migrate(
  db: Database.Database,
  opts: SqliteStoreOptions,
  checkpointer: SqliteCheckpointer | null,
): Promise<Store> {
  if (opts.readonly) {
    db.close();
    throw new StoreNeedsMigration(opts.path);
  }
  const insert = db.prepare(
    'INSERT INTO log_chunks (stream_id, end_seq, first_seq, meta, text) VALUES (?, ?, ?, ?, ?)',
  );
  const page = db.prepare<[number, number, number], LineSqlRow>(
    'SELECT seq, stream, time_ms, text FROM log_lines WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const ids = db.prepare<[], { id: number }>('SELECT DISTINCT stream_id AS id FROM log_lines').all();
  db.exec('BEGIN IMMEDIATE');
  try {
    await migrateLineRows(
      ids.map((r) => r.id),
      async (id, after, limit) => page.all(id, after, limit),
      async (c) => void insert.run(c.streamId, c.endSeq, c.firstSeq, c.meta, c.text),
    );
    db.exec('DROP TABLE log_lines');
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    db.close();
    throw err;
  }
  return sqliteStore(db, checkpointer);
}

function sqliteStore(db: Database.Database, checkpointer: SqliteCheckpointer | null): Store {
  // The streams, runs and search statements vary by filter; each shape is prepared once.
  const prepared = statementCache(db);

  const upsertStream = db.prepare<[string, string, string, number], { id: number; next_seq: number }>(
    `INSERT INTO log_streams (run_id, task_run, step, step_index) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id, task_run, step) DO UPDATE SET step_index = excluded.step_index
     RETURNING id, next_seq`,
  );
  // CAST: a text given as its bytes (ChunkText) is bound as a blob and stored as TEXT, as a string is.
  const insertChunk = db.prepare(
    'INSERT INTO log_chunks (stream_id, end_seq, first_seq, meta, text) VALUES (?, ?, ?, ?, CAST(? AS TEXT))',
  );
  const advanceStream = db.prepare('UPDATE log_streams SET next_seq = ?, eof = MAX(eof, ?) WHERE id = ?');

  let written = 0;
  const ingestTx = db.transaction((batch: IngestInput): StepAck[] =>
    batch.steps.map((s) => {
      const row = upsertStream.get(batch.pipelineRun, batch.taskRun, s.step, s.stepIndex)!;
      const add = linesToStore(s, row.next_seq);
      for (const c of add.chunks) {
        insertChunk.run(row.id, c.endSeq, c.firstSeq, c.meta, c.text);
        written += c.text.length + c.meta.length;
      }
      advanceStream.run(add.next, add.eof ? 1 : 0, row.id);
      return { step: s.step, nextSeq: add.next };
    }),
  );

  const putRunStmt = db.prepare(
    `INSERT INTO runs (id, pipeline, status, started_ms, started_at, finished_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET pipeline = excluded.pipeline, status = excluded.status,
       started_ms = excluded.started_ms, started_at = excluded.started_at, finished_at = excluded.finished_at,
       record = excluded.record`,
  );
  const getRunStmt = db.prepare<[string], { record: string }>('SELECT record FROM runs WHERE id = ?');
  const streamsStmt = db.prepare<
    [string],
    { task_run: string; step: string; step_index: number; next_seq: number; eof: number }
  >('SELECT task_run, step, step_index, next_seq, eof FROM log_streams WHERE run_id = ? ORDER BY id');
  const chunksAsc = db.prepare<[number, number, number], ChunkRow>(
    'SELECT first_seq, meta, text FROM log_chunks WHERE stream_id = ? AND end_seq > ? ORDER BY end_seq LIMIT ?',
  );
  const chunksDesc = db.prepare<[number, number, number], ChunkRow>(
    'SELECT first_seq, meta, text FROM log_chunks WHERE stream_id = ? AND first_seq < ? ORDER BY end_seq DESC LIMIT ?',
  );
  const prim: LogPrimitives = {
    async streams(runId, task, step) {
      const args: unknown[] = [runId];
      let sql = 'SELECT id, task_run, step FROM log_streams WHERE run_id = ?';
      if (task) {
        sql += ' AND task_run = ?';
        args.push(task);
      }
      if (step) {
        sql += ' AND step = ?';
        args.push(step);
      }
      return prepared(sql + ' ORDER BY id').all(...args) as StreamRow[];
    },
    async chunks(streamId, from, count, descending) {
      return (descending ? chunksDesc : chunksAsc).all(streamId, from, count);
    },
  };
  const deleteLines = db.prepare(
    'DELETE FROM log_chunks WHERE stream_id IN (SELECT id FROM log_streams WHERE run_id = ?)',
  );
  const deleteStreams = db.prepare('DELETE FROM log_streams WHERE run_id = ?');
  const deleteResults = db.prepare('DELETE FROM task_results WHERE run_id = ?');
  const deleteRunRow = db.prepare('DELETE FROM runs WHERE id = ?');
  const deleteRun = db.transaction((ids: string[]) => {
    for (const id of ids) {
      deleteLines.run(id);
      deleteStreams.run(id);
      deleteResults.run(id);
      deleteRunRow.run(id);
    }
  });
  const putResultStmt = db.prepare(
    `INSERT INTO task_results (run_id, task_run, name, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id, task_run, name) DO UPDATE SET value = excluded.value`,
  );
  const getResultStmt = db.prepare<[string, string, string], { value: Buffer }>(
    'SELECT value FROM task_results WHERE run_id = ? AND task_run = ? AND name = ?',
  );

  return {
    kind: 'sqlite',
    async ingest(batch) {
      written = 0;
      const acks = ingestTx(batch);
      checkpointer?.wrote(written);
      return acks;
    },
    async putRun(r: RunRecord) {
      putRunStmt.run(r.id, r.name, r.status, startedMsOf(r), r.startedAt, r.finishedAt ?? null, JSON.stringify(r));
    },
    async getRun(id) {
      const row = getRunStmt.get(id);
      return row ? (JSON.parse(row.record) as RunRecord) : null;
    },
    async listRuns(q: RunListQuery): Promise<RunSummary[]> {
      const { sql, args } = runsSql(q, () => '?');
      return prepared(sql).all(...args) as RunSummary[];
    },
    async readLogs(q: LogQuery): Promise<LogPage> {
      return readLogPage(prim, q);
    },
    async logStreams(runId): Promise<LogStreamInfo[]> {
      return streamsStmt.all(runId).map((r) => ({
        task: r.task_run,
        step: r.step,
        stepIndex: Number(r.step_index),
        nextSeq: Number(r.next_seq),
        eof: Boolean(r.eof),
      }));
    },
    async search(q): Promise<SearchHit[]> {
      return searchChunks(
        async (after, count) => {
          const args: unknown[] = [likePattern(q.text)];
          let where = "c.text LIKE ? ESCAPE '\\'";
          if (q.runId) {
            where += ' AND s.run_id = ?';
            args.push(q.runId);
          }
          if (after) {
            where += ' AND (c.stream_id, c.end_seq) > (?, ?)';
            args.push(after.streamId, after.endSeq);
          }
          return prepared(
            `SELECT s.run_id AS run, c.stream_id AS id, s.task_run, s.step, c.first_seq, c.end_seq, c.meta, c.text
             FROM log_chunks c JOIN log_streams s ON s.id = c.stream_id WHERE ${where}
             ORDER BY c.stream_id, c.end_seq LIMIT ?`,
          ).all(...args, count) as SearchChunkRow[];
        },
        lineMatcher(q.text, 'ascii'),
        q.limit,
      );
    },
    async putResult(r) {
      putResultStmt.run(r.runId, r.taskRun, r.name, r.value);
    },
    async getResult(runId, taskRun, name) {
      return getResultStmt.get(runId, taskRun, name)?.value ?? null;
    },
    async applyRetention(policy: RetentionPolicy) {
      const { sql, args } = retentionSql(policy, () => '?');
      if (!sql) return [];
      const ids = (prepared(sql).all(...args) as { id: string }[]).map((r) => r.id);
      deleteRun(ids);
      return ids;
    },
    async close() {
      await checkpointer?.close();
      db.close();
    },
  };
}

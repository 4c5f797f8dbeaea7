// The production store: PostgreSQL through a pg Pool. A batch is one transaction; each step's new
// lines go in as chunks (chunk-codec.ts), one multi-row INSERT per step.
import pg from 'pg';
import type { RunRecord } from '../../contract/index.js';
import {
  likePattern,
  startedMsOf,
  textString,
  type IngestInput,
  type LogStreamInfo,
  type RetentionPolicy,
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
import { migrateLineRows, type ChunkInsert } from './migrate-lines.js';

const schemaSql = (schema: string) => `
CREATE SCHEMA IF NOT EXISTS ${schema};
SET search_path TO ${schema};
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, status TEXT NOT NULL,
  started_ms BIGINT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, record JSON NOT NULL);
-- JSON, not JSONB: JSONB refuses a NUL in a string (a step's result may hold one), JSON keeps the text.
DO $$ BEGIN
  IF (SELECT data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'runs' AND column_name = 'record') = 'jsonb' THEN
    ALTER TABLE runs ALTER COLUMN record TYPE JSON;
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_pipeline ON runs (pipeline, started_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, started_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_pipeline_status ON runs (pipeline, status, started_ms DESC, id DESC);
CREATE TABLE IF NOT EXISTS log_streams (
  id BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, task_run TEXT NOT NULL, step TEXT NOT NULL,
  step_index INTEGER NOT NULL, next_seq BIGINT NOT NULL DEFAULT 0, eof BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (run_id, task_run, step));
CREATE TABLE IF NOT EXISTS log_chunks (
  stream_id BIGINT NOT NULL, end_seq BIGINT NOT NULL, first_seq BIGINT NOT NULL, meta BYTEA NOT NULL,
  text TEXT NOT NULL, PRIMARY KEY (stream_id, end_seq));
CREATE TABLE IF NOT EXISTS task_results (
  run_id TEXT NOT NULL, task_run TEXT NOT NULL, name TEXT NOT NULL, value BYTEA NOT NULL,
  PRIMARY KEY (run_id, task_run, name));
`;

export interface PostgresStoreOptions {
  url: string;
  /** Schema holding the tables (created when absent); `public` by default. */
  schema?: string;
}

/** A plain PostgreSQL schema name: the only kind that may be spliced into DDL text. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const schema = opts.schema ?? 'public';
  // The schema name goes into DDL text (identifiers cannot be parameters): allow only a plain one.
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({ connectionString: opts.url, max: 8, options: `-c search_path=${schema}` });
  await pool.query(schemaSql(schema));
  const p = (i: number) => `$${i}`;
  await migrateFromLineRows(pool);

  const prim: LogPrimitives = {
    async streams(runId, task, step) {
      const args: unknown[] = [runId];
      let sql = 'SELECT id, task_run, step FROM log_streams WHERE run_id = $1';
      if (task) {
        args.push(task);
        sql += ` AND task_run = $${args.length}`;
      }
      if (step) {
        args.push(step);
        sql += ` AND step = $${args.length}`;
      }
      return (await pool.query<StreamRow>(sql + ' ORDER BY id', args)).rows;
    },
    async chunks(streamId, from, count, descending) {
      const sql = descending
        ? 'SELECT first_seq, meta, text FROM log_chunks WHERE stream_id = $1 AND first_seq < $2 ORDER BY end_seq DESC LIMIT $3'
        : 'SELECT first_seq, meta, text FROM log_chunks WHERE stream_id = $1 AND end_seq > $2 ORDER BY end_seq LIMIT $3';
      return (await pool.query<ChunkRow>(sql, [streamId, from, count])).rows;
    },
  };

  async function ingestStep(
    client: pg.PoolClient,
    batch: IngestInput,
    s: IngestInput['steps'][number],
  ): Promise<StepAck> {
    const { rows } = await client.query<{ id: string; next_seq: string }>(
      `INSERT INTO log_streams (run_id, task_run, step, step_index) VALUES ($1, $2, $3, $4)
       ON CONFLICT (run_id, task_run, step) DO UPDATE SET step_index = excluded.step_index RETURNING id, next_seq`,
      [batch.pipelineRun, batch.taskRun, s.step, s.stepIndex],
    );
    // The upsert locked the stream's row until COMMIT: another collector on the same database
    // ingesting this step waits here, so next_seq is the stored end when the chunks are cut.
    const id = Number(rows[0].id);
    const add = linesToStore(s, Number(rows[0].next_seq));
    await insertChunks(
      client,
      add.chunks.map((c) => ({ ...c, streamId: id })),
    );
    await client.query('UPDATE log_streams SET next_seq = $1, eof = eof OR $2 WHERE id = $3', [add.next, add.eof, id]);
    return { step: s.step, nextSeq: add.next };
  }

  async function inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  return {
    kind: 'postgres',
    async ingest(batch) {
      return inTransaction(async (c) => {
        const acks: StepAck[] = [];
        for (const s of batch.steps) acks.push(await ingestStep(c, batch, s));
        return acks;
      });
    },
    async putRun(r: RunRecord) {
      await pool.query(
        `INSERT INTO runs (id, pipeline, status, started_ms, started_at, finished_at, record) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (id) DO UPDATE SET pipeline = excluded.pipeline, status = excluded.status,
           started_ms = excluded.started_ms, started_at = excluded.started_at, finished_at = excluded.finished_at,
           record = excluded.record`,
        [r.id, r.name, r.status, startedMsOf(r), r.startedAt, r.finishedAt ?? null, JSON.stringify(r)],
      );
    },
    async getRun(id) {
      const { rows } = await pool.query<{ record: RunRecord }>('SELECT record FROM runs WHERE id = $1', [id]);
      return rows[0]?.record ?? null;
    },
    async listRuns(q): Promise<RunSummary[]> {
      const { sql, args } = runsSql(q, p);
      return (await pool.query<RunSummary>(sql, args)).rows.map((r) => ({ ...r, startedMs: Number(r.startedMs) }));
    },
    readLogs: (q) => readLogPage(prim, q),
    async logStreams(runId): Promise<LogStreamInfo[]> {
      const { rows } = await pool.query<{
        task_run: string;
        step: string;
        step_index: number;
        next_seq: string;
        eof: boolean;
      }>('SELECT task_run, step, step_index, next_seq, eof FROM log_streams WHERE run_id = $1 ORDER BY id', [runId]);
      return rows.map((r) => ({
        task: r.task_run,
        step: r.step,
        stepIndex: r.step_index,
        nextSeq: Number(r.next_seq),
        eof: r.eof,
      }));
    },
    async search(q): Promise<SearchHit[]> {
      return searchChunks(
        async (after, count) => {
          const args: unknown[] = [likePattern(q.text)];
          let where = "c.text ILIKE $1 ESCAPE '\\'";
          if (q.runId) {
            args.push(q.runId);
            where += ` AND s.run_id = $${args.length}`;
          }
          if (after) {
            args.push(after.streamId, after.endSeq);
            where += ` AND (c.stream_id, c.end_seq) > ($${args.length - 1}, $${args.length})`;
          }
          args.push(count);
          const { rows } = await pool.query<SearchChunkRow>(
            `SELECT s.run_id AS run, c.stream_id AS id, s.task_run, s.step, c.first_seq, c.end_seq, c.meta, c.text
             FROM log_chunks c JOIN log_streams s ON s.id = c.stream_id WHERE ${where}
             ORDER BY c.stream_id, c.end_seq LIMIT $${args.length}`,
            args,
          );
          return rows;
        },
        lineMatcher(q.text, 'unicode'),
        q.limit,
      );
    },
    async putResult(r) {
      await pool.query(
        `INSERT INTO task_results (run_id, task_run, name, value) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_id, task_run, name) DO UPDATE SET value = excluded.value`,
        [r.runId, r.taskRun, r.name, r.value],
      );
    },
    async getResult(runId, taskRun, name) {
      const { rows } = await pool.query<{ value: Buffer }>(
        'SELECT value FROM task_results WHERE run_id = $1 AND task_run = $2 AND name = $3',
        [runId, taskRun, name],
      );
      return rows[0]?.value ?? null;
    },
    async applyRetention(policy: RetentionPolicy) {
      const { sql, args } = retentionSql(policy, p);
      if (!sql) return [];
      return inTransaction(async (c) => {
        const ids = (await c.query<{ id: string }>(sql, args)).rows.map((r) => r.id);
        if (ids.length) {
          await c.query(
            'DELETE FROM log_chunks WHERE stream_id IN (SELECT id FROM log_streams WHERE run_id = ANY($1))',
            [ids],
          );
          await c.query('DELETE FROM log_streams WHERE run_id = ANY($1)', [ids]);
          await c.query('DELETE FROM task_results WHERE run_id = ANY($1)', [ids]);
          await c.query('DELETE FROM runs WHERE id = ANY($1)', [ids]);
        }
        return ids;
      });
    },
    async close() {
      await pool.end();
    },
  };
}

/** One INSERT for a step's chunks of a batch. */
async function insertChunks(client: pg.ClientBase, chunks: ChunkInsert[]): Promise<void> {
  if (!chunks.length) return;
  const args: unknown[] = [];
  const values = chunks.map((c) => {
    args.push(c.streamId, c.endSeq, c.firstSeq, c.meta, textString(c.text));
    const n = args.length;
    return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
  });
  await client.query(
    `INSERT INTO log_chunks (stream_id, end_seq, first_seq, meta, text) VALUES ${values.join(', ')}`,
    args,
  );
}

/**
 * An older schema's log_lines (a row per line) moved into chunks (migrate-lines.ts), once: an
 * advisory lock makes a second collector starting at the same time wait, then find nothing to do.
 */
async function migrateFromLineRows(pool: pg.Pool): Promise<void> {
  const present = async (c: pg.ClientBase | pg.Pool) =>
    (await c.query<{ t: string | null }>("SELECT to_regclass('log_lines') AS t")).rows[0].t !== null;
  if (!(await present(pool))) return;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('kiln log_lines migration'))");
    if (await present(client)) {
      const ids = (await client.query<{ id: string }>('SELECT DISTINCT stream_id AS id FROM log_lines')).rows;
      await migrateLineRows(
        ids.map((r) => Number(r.id)),
        async (id, after, limit) =>
          (
            await client.query<LineSqlRow>(
              'SELECT seq, stream, time_ms, text FROM log_lines WHERE stream_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
              [id, after, limit],
            )
          ).rows,
        (c) => insertChunks(client, [c]),
      );
      await client.query('DROP TABLE log_lines');
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Drops a schema and everything in it (tests use a fresh schema per run). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

// The cache index's two database adapters. Statements are written once with `?` placeholders
// (always parameters, never spliced text); PostgreSQL's adapter numbers them.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { SCHEMA_NAME } from '../store/postgres.js';
import { statementCache } from '../store/sqlite.js';

export interface SqlRunner {
  readonly kind: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Answers how many rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

export function sqliteRunner(path: string): SqlRunner {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const prepared = statementCache(db);
  return {
    kind: 'sqlite',
    all: async <T>(sql: string, params: unknown[] = []) => prepared(sql).all(...params) as T[],
    run: async (sql, params = []) => prepared(sql).run(...params).changes,
    exec: async (script) => void db.exec(script),
    close: async () => void db.close(),
  };
}

const numbered = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

export async function postgresRunner(url: string, schema = 'public'): Promise<SqlRunner> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return {
    kind: 'postgres',
    all: async <T>(sql: string, params: unknown[] = []) => (await pool.query(numbered(sql), params)).rows as T[],
    run: async (sql, params = []) => (await pool.query(numbered(sql), params)).rowCount ?? 0,
    exec: async (script) => void (await pool.query(script)),
    close: () => pool.end(),
  };
}

/** `sqlite:PATH` (or a bare path) or `postgres://…?schema=S`: the collector's database URL forms. */
export async function openSqlRunner(url: string): Promise<SqlRunner> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    const schema = u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    return postgresRunner(u.toString(), schema);
  }
  return sqliteRunner(url.replace(/^sqlite:(\/\/)?/, ''));
}

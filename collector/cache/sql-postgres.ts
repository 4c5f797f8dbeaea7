// The cache index's PostgreSQL adapter, in a module of its own: sql.ts imports it only for a
// postgres:// URL, so a run on SQLite (every local `kiln run`) does not load the pg driver
// (0.2–0.4 s of a Node start on the loaded 2-core machine).
import pg from 'pg';
import { SCHEMA_NAME } from '../store/postgres.js';
import type { SqlRunner } from './sql-runner.js';

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

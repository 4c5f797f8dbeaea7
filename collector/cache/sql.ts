// The cache index's database adapters. Statements are written once with `?` placeholders
// (always parameters, never spliced text); PostgreSQL's adapter (sql-postgres.ts) numbers them.
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from '../store/sqlite-addon.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { statementCache } from '../store/sqlite.js';
import type { SqlRunner } from './sql-runner.js';

export type { SqlRunner };

export function sqliteRunner(path: string): SqlRunner {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { nativeBinding: sqliteNativeBinding() });
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

/** `sqlite:PATH` (or a bare path) or `postgres://…?schema=S`: the collector's database URL forms. */
export async function openSqlRunner(url: string): Promise<SqlRunner> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    const schema = u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    const { postgresRunner } = await import('./sql-postgres.js');
    return postgresRunner(u.toString(), schema);
  }
  return sqliteRunner(url.replace(/^sqlite:(\/\/)?/, ''));
}

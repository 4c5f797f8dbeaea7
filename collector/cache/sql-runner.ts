// What the cache index needs of a database: sql.ts (SQLite) and sql-postgres.ts give it.
export interface SqlRunner {
  readonly kind: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Answers how many rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

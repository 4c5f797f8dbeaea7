// Opens a store from a URL: `sqlite:PATH` (or a bare path) or `postgres://…` / `postgresql://…`.
import { UsageError } from '../../contract/index.js';
import type { Store } from './types.js';

export const DEFAULT_DB_URL = 'sqlite:.kiln/kiln.db';

export async function openStore(
  url: string = DEFAULT_DB_URL,
  opts: { readonly?: boolean; schema?: string; longLived?: boolean } = {},
): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    const schema = opts.schema ?? u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    // Imported only here: a SQLite store (every local `kiln run`) need not load the pg driver.
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore({ url: u.toString(), schema });
  }
  if (url.startsWith('sqlite:') || !url.includes('://')) {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    if (!path) throw new UsageError(`--db ${url}: no file path`, 'use sqlite:PATH, e.g. sqlite:.kiln/kiln.db');
    // Imported here too: the better-sqlite3 addon loads with the first store, not with the collector's index.
    const { openSqliteStore } = await import('./sqlite.js');
    return openSqliteStore({ path, readonly: opts.readonly, checkpointWorkerAtOpen: opts.longLived });
  }
  throw new UsageError(`--db ${url}: unsupported database URL`, 'use sqlite:PATH or postgres://USER@HOST:PORT/DB');
}

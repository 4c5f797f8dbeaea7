// Which history the read commands use: --collector/KILN_COLLECTOR (with --token/KILN_TOKEN), else
// the local store (--db, KILN_DATABASE_URL, or .kiln/kiln.db) opened read-only.
import { existsSync } from 'node:fs';
import { DEFAULT_DB_URL, openStore } from '../store/open.js';
import { UsageError } from '../../contract/index.js';
import { CollectorClient } from './http-client.js';
import type { RunReader } from './reader.js';
import { storeReader } from './store-reader.js';
import { endingOrphans } from '../orphans.js';

export interface ConnectOptions {
  collector?: string;
  token?: string;
  db?: string;
}

export async function connectReader(o: ConnectOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunReader> {
  const url = o.collector || env.KILN_COLLECTOR;
  if (url) {
    if (!/^https?:\/\//.test(url))
      throw new UsageError(`collector URL ${url} is not http(s)://…`, 'e.g. --collector http://127.0.0.1:8790');
    return new CollectorClient(url, o.token || env.KILN_TOKEN || undefined);
  }
  const db = o.db || env.KILN_DATABASE_URL || DEFAULT_DB_URL;
  const path = db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : null;
  if (path !== null && !existsSync(path)) {
    throw new UsageError(
      `no run history here: ${path} does not exist`,
      'run a pipeline with `kiln run` first, or name a collector with --collector URL / KILN_COLLECTOR',
    );
  }
  // Read-only: a run whose kiln process died is shown ended here; the next collector on this store stores it so.
  return storeReader(endingOrphans(await openStore(db, { readonly: true }), { persist: false }));
}

// The collector's cache index: one row per entry, keyed by scope (pipeline, branch), version and
// key. The row insert is the commit point of a save: the primary key makes the first one win.
import {
  planEviction,
  selectEntry,
  type ArchiveFormat,
  type CacheEntry,
  type EvictionLimits,
  type Lookup,
} from '../../contract/cache/index.js';
import type { SqlRunner } from './sql.js';

export interface CacheScope {
  pipeline: string;
  branch: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cache_entries (
  pipeline TEXT NOT NULL, branch TEXT NOT NULL, version TEXT NOT NULL, key TEXT NOT NULL,
  digest TEXT NOT NULL, size BIGINT NOT NULL, format TEXT NOT NULL,
  created_ms BIGINT NOT NULL, last_used_ms BIGINT NOT NULL,
  PRIMARY KEY (pipeline, branch, version, key));
CREATE INDEX IF NOT EXISTS cache_entries_lru ON cache_entries (last_used_ms);
CREATE INDEX IF NOT EXISTS cache_entries_digest ON cache_entries (digest);
`;

interface Row {
  pipeline: string;
  branch: string;
  version: string;
  key: string;
  digest: string;
  size: number | string;
  format: string;
  created_ms: number | string;
  last_used_ms: number | string;
}

const toEntry = (r: Row): CacheEntry => ({
  key: r.key,
  version: r.version,
  digest: r.digest,
  size: Number(r.size),
  format: r.format as ArchiveFormat,
  createdAt: Number(r.created_ms),
});

export class CacheIndex {
  private constructor(private readonly db: SqlRunner) {}

  static async open(db: SqlRunner): Promise<CacheIndex> {
    await db.exec(SCHEMA);
    return new CacheIndex(db);
  }

  /** actions/cache's order within each scope in turn: exact key, then each restore prefix (newest). */
  async find(scopes: CacheScope[], q: Lookup): Promise<CacheEntry | null> {
    for (const s of scopes) {
      // Prefix candidates: the newest per restore key is all selectEntry needs, so fetch no more.
      const rows = await this.db.all<Row>(
        'SELECT * FROM cache_entries WHERE pipeline = ? AND branch = ? AND version = ? AND key = ?',
        [s.pipeline, s.branch, q.version, q.key],
      );
      for (const prefix of q.restoreKeys) {
        rows.push(
          ...(await this.db.all<Row>(
            `SELECT * FROM cache_entries WHERE pipeline = ? AND branch = ? AND version = ? AND substr(key, 1, ?) = ?
           ORDER BY created_ms DESC LIMIT 1`,
            [s.pipeline, s.branch, q.version, prefix.length, prefix],
          )),
        );
      }
      const hit = selectEntry(rows.map(toEntry), q);
      if (hit) return hit;
    }
    return null;
  }

  /** False when the scope already has the key: entries are immutable. */
  async insert(scope: CacheScope, e: CacheEntry): Promise<boolean> {
    const changed = await this.db.run(
      `INSERT INTO cache_entries (pipeline, branch, version, key, digest, size, format, created_ms, last_used_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [scope.pipeline, scope.branch, e.version, e.key, e.digest, e.size, e.format, e.createdAt, e.createdAt],
    );
    return changed === 1;
  }

  /** Whether one of the scopes holds an entry with this digest (a blob is readable only then). */
  async holds(scopes: CacheScope[], digest: string): Promise<boolean> {
    for (const s of scopes) {
      const rows = await this.db.all(
        'SELECT 1 FROM cache_entries WHERE pipeline = ? AND branch = ? AND digest = ? LIMIT 1',
        [s.pipeline, s.branch, digest],
      );
      if (rows.length) return true;
    }
    return false;
  }

  async touch(scopes: CacheScope[], digest: string, now: number): Promise<void> {
    for (const s of scopes) {
      await this.db.run('UPDATE cache_entries SET last_used_ms = ? WHERE pipeline = ? AND branch = ? AND digest = ?', [
        now,
        s.pipeline,
        s.branch,
        digest,
      ]);
    }
  }

  /** Whether any entry anywhere still references the digest. */
  async referenced(digest: string): Promise<boolean> {
    return (await this.db.all('SELECT 1 FROM cache_entries WHERE digest = ? LIMIT 1', [digest])).length > 0;
  }

  /** Removes expired and least recently used rows; answers the digests no row references any more. */
  async evict(limits: EvictionLimits, now: number): Promise<string[]> {
    const rows = await this.db.all<Row>(
      'SELECT pipeline, branch, version, key, digest, size, last_used_ms FROM cache_entries',
    );
    const plan = planEviction(
      rows.map((r) => ({ id: r, digest: r.digest, size: Number(r.size), lastUsed: Number(r.last_used_ms) })),
      limits,
      now,
    );
    for (const r of plan.remove) {
      await this.db.run('DELETE FROM cache_entries WHERE pipeline = ? AND branch = ? AND version = ? AND key = ?', [
        r.pipeline,
        r.branch,
        r.version,
        r.key,
      ]);
    }
    return plan.freed;
  }

  async totalBytes(): Promise<number> {
    const [row] = await this.db.all<{ total: number | string | null }>(
      'SELECT SUM(size) AS total FROM (SELECT DISTINCT digest, size FROM cache_entries) AS d',
    );
    return Number(row?.total ?? 0);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

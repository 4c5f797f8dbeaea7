// What a cache entry is, and which entry a restore picks. Shared by every store so the local
// directory and the collector answer a lookup the same way.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** How an archive's bytes are encoded. Recorded per entry: a restore never guesses. */
export type ArchiveFormat = 'tar' | 'tar+gzip' | 'tar+brotli';
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['tar', 'tar+gzip', 'tar+brotli'];

export interface CacheEntry {
  key: string;
  /** Hash of the paths as written and the archive format: entries of another version never match. */
  version: string;
  /** SHA-256 (hex) of the stored archive bytes. */
  digest: string;
  size: number;
  format: ArchiveFormat;
  /** Unix ms. Among prefix matches, the newest wins. */
  createdAt: number;
}

/**
 * actions/cache's version: paths as the user wrote them (so `~/.npm` matches across homes) and
 * the format, so a change of either never restores an entry laid out differently.
 */
export function cacheVersion(paths: string[], format: ArchiveFormat): string {
  return createHash('sha256')
    .update(JSON.stringify({ paths, format, layout: 1 }))
    .digest('hex');
}

export interface Lookup {
  key: string;
  restoreKeys: string[];
  version: string;
}

/** The exact key first; else each restore key in order as a prefix, the newest match of the first that matches. */
export function selectEntry(entries: Iterable<CacheEntry>, q: Lookup): CacheEntry | null {
  const same = [...entries].filter((e) => e.version === q.version);
  const exact = same.find((e) => e.key === q.key);
  if (exact) return exact;
  for (const prefix of q.restoreKeys) {
    let best: CacheEntry | null = null;
    for (const e of same) {
      if (e.key.startsWith(prefix) && (!best || e.createdAt > best.createdAt)) best = e;
    }
    if (best) return best;
  }
  return null;
}

export const isDigest = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);

/** Counts and hashes the bytes that pass; refuses more than `limit`. */
export class DigestStream extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly limit = Number.MAX_SAFE_INTEGER) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new Error(`more than the expected ${this.limit} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

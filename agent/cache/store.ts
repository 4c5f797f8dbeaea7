// The one interface both cache stores implement: a local directory (the local engine) and the
// collector over HTTP (a cluster). restore/save in cache.ts speak only this.
import type { Readable, Writable } from 'node:stream';
import type { ArchiveFormat, CacheEntry, Lookup } from '../../contract/cache/index.js';

export interface NewEntry {
  key: string;
  version: string;
  format: ArchiveFormat;
}

export interface SaveOutcome {
  /** False when the key already had an entry (entries are immutable; the first save wins). */
  saved: boolean;
  /** Why it was not saved, for the step's log. */
  reason?: string;
  entry?: CacheEntry;
}

/** Streams an archive into the sink; answers its digest and size. */
export type ArchiveWriter = (sink: Writable) => Promise<{ digest: string; size: number }>;

export interface CacheStore {
  /** For messages: the directory or URL. */
  readonly location: string;
  lookup(q: Lookup): Promise<CacheEntry | null>;
  /** The entry's stored bytes; counts as a use for least-recently-used eviction. */
  open(entry: CacheEntry): Promise<Readable>;
  save(entry: NewEntry, write: ArchiveWriter): Promise<SaveOutcome>;
}

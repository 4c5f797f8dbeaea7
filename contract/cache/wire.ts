// The collector's cache endpoints (JSON unless said), shared by the agent's client and the
// collector's routes so neither re-spells them.
//   GET  /v1/cache/entries?key=K&restore=P1&restore=P2&version=V   200 CacheEntry | 204 no match
//   PUT  /v1/cache/entries   body CommitRequest                     201 CacheEntry | 409 exists
//   POST /v1/cache/blobs     body the archive (application/octet-stream, streamed)  201 { digest, size }
//   GET|HEAD /v1/cache/blobs/:digest                                 the archive bytes
// Auth: `Authorization: Bearer <run token>` (scope: the run's pipeline and branch), or the reader
// token with `pipeline=` and `branch=` query parameters for reads.
import type { ArchiveFormat } from './entry.js';

export const CACHE_ENTRIES_PATH = '/v1/cache/entries';
export const CACHE_BLOBS_PATH = '/v1/cache/blobs';
export const BLOB_MEDIA_TYPE = 'application/octet-stream';
/** At most this many restore keys per lookup. */
export const MAX_RESTORE_KEYS = 16;

export interface CommitRequest {
  key: string;
  version: string;
  digest: string;
  size: number;
  format: ArchiveFormat;
}

export interface BlobUploaded {
  digest: string;
  size: number;
}

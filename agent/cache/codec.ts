// The compressors an archive format names. Levels were chosen by bench/cache.bench.ts on this
// machine (see docs/cache.md): speed matters more than ratio for a cache that sits beside the job.
import {
  brotliDecompressSync,
  constants,
  createBrotliCompress,
  createBrotliDecompress,
  createGunzip,
  createGzip,
  gunzipSync,
} from 'node:zlib';
import type { Transform } from 'node:stream';
import { kMaxLength } from 'node:buffer';
import type { ArchiveFormat } from '../../contract/cache/index.js';

/** The format new entries are written in. */
export const DEFAULT_FORMAT: ArchiveFormat = 'tar+gzip';
export const GZIP_LEVEL = 1;
export const BROTLI_QUALITY = 1;
const CHUNK = 256 * 1024;

/** A compressing transform for the format, or null when the archive is stored as plain tar. */
export function compressor(format: ArchiveFormat): Transform | null {
  switch (format) {
    case 'tar':
      return null;
    case 'tar+gzip':
      return createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK });
    case 'tar+brotli':
      return createBrotliCompress({
        chunkSize: CHUNK,
        params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_LGWIN]: 22 },
      });
  }
}

export function decompressor(format: ArchiveFormat): Transform | null {
  switch (format) {
    case 'tar':
      return null;
    case 'tar+gzip':
      return createGunzip({ chunkSize: CHUNK });
    case 'tar+brotli':
      return createBrotliDecompress({ chunkSize: CHUNK });
  }
}

/**
 * The stored bytes of a small entry decompressed at once (archive.ts's in-memory restore), or null
 * when they would come to more than `max` bytes (zlib stops there: nothing larger is allocated).
 */
export function decompressSync(format: ArchiveFormat, stored: Buffer, max: number): Buffer | null {
  const limit = { maxOutputLength: Math.min(max + 1, kMaxLength) };
  const within = (out: Buffer) => (out.length > max ? null : out);
  try {
    switch (format) {
      case 'tar':
        return within(stored);
      case 'tar+gzip':
        return within(gunzipSync(stored, limit));
      case 'tar+brotli':
        return within(brotliDecompressSync(stored, limit));
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw err;
  }
}

// The collector cache's settings as a user writes them (`kiln collector --cache-dir/--cache-max-size/
// --cache-max-age`) and where blobs go by default. Apart from the routes so the CLI parses flags
// without loading the server.
import { dirname, join } from 'node:path';
import { durationFlag, UsageError } from '../../contract/index.js';
import type { CacheLimits } from './routes.js';

// Kubernetes' Ki/Mi/Gi are accepted beside KiB/MiB/GiB; a bare k/m/g is not (Kubernetes' "m" is milli).
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

/** A size such as `10GiB`, `500MB` or `4096` (bytes), in bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d{1,15}(?:\.\d{1,6})?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new UsageError(
      `${flag} ${text}: not a size`,
      'write a number and a unit: 10GiB, 500MiB, 2GB, or a number of bytes',
    );
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1 || !Number.isSafeInteger(bytes)) throw new UsageError(`${flag} ${text}: must be from 1 byte to 8 PiB`);
  return bytes;
}

/** Blobs live beside the SQLite database (one directory to back up or move); for PostgreSQL, in the state directory. */
export function defaultCacheDir(dbUrl: string, stateDir: string): string {
  if (/^postgres(ql)?:\/\//.test(dbUrl)) return join(stateDir, 'cache');
  return join(dirname(dbUrl.replace(/^sqlite:(\/\/)?/, '')), 'cache');
}

export interface CacheFlagValues {
  cacheDir?: string;
  cacheMaxSize?: string;
  cacheMaxAge?: string;
}

/** `kiln collector`'s cache flags → startCollector's `cache` option; a flag not given keeps the default. */
export function cacheOptionsFromFlags(f: CacheFlagValues): { dir?: string; limits: Partial<CacheLimits> } {
  const limits: Partial<CacheLimits> = {};
  if (f.cacheMaxSize !== undefined) limits.maxBytes = parseSize(f.cacheMaxSize, '--cache-max-size');
  if (f.cacheMaxAge !== undefined) limits.maxAgeMs = durationFlag('--cache-max-age', f.cacheMaxAge);
  return { ...(f.cacheDir && { dir: f.cacheDir }), limits };
}

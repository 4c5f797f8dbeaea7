// The dependency cache: what the entrypoint, the local runtime and the collector use of it.
export { restoreCache, saveCache, type RestoreState, type StepCacheOptions } from './cache.js';
export { ARCHIVE_FORMATS, cacheVersion, isDigest, selectEntry, type ArchiveFormat, type CacheEntry, type Lookup } from '../../contract/cache-entry.js';
export { planEviction, type EvictionLimits, type EvictionRow } from '../../contract/cache-eviction.js';
export { CacheEntryCorruptError, CacheKeyError, CachePathError, CacheStoreError, HashFilesNoMatchError } from './errors.js';
export { DEFAULT_LOCAL_LIMITS, LocalCacheStore } from './local-store.js';
export { HttpCacheStore } from './http-store.js';
export { DigestStream } from './archive.js';
export { checkKey, MAX_KEY_LENGTH } from './key.js';
export type { CacheStore } from './store.js';
export * from '../../contract/cache-wire.js';

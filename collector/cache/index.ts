// The collector's dependency cache: blob endpoints on disk, index in the database.
export { cacheRoutes, DEFAULT_CACHE_LIMITS, type CacheLimits, type CacheRouteOptions } from './routes.js';
export { CacheIndex, type CacheScope } from './index-db.js';
export { openSqlRunner, sqliteRunner, type SqlRunner } from './sql.js';

// The collector: startCollector() for `kiln collector`, `kiln serve` and `kiln run`'s embedded one,
// the client that reports to it and reads from it, and what its plugins are written against.
export { openStore, DEFAULT_DB_URL } from './store/open.js';
export { mintRunToken, runClaims, verifyRunToken, type RunClaims } from './run-token.js';
export { badIdentityName, mintPersonToken, verifyPersonToken, type PersonClaims } from './person-token.js';
export { followLogs, type FollowSource } from './follow.js';
export { endIfOrphaned, kilnProcessAlive } from './orphans.js';
export { cacheOptionsFromFlags, parseSize, type CacheFlagValues } from './cache/config.js';
export { runPageUrl, webUiLine } from './ui/address.js';
export type { MetricCaps } from '../contract/metrics/index.js';
export type { CollectorContext, CollectorPlugin, RouteConfig } from './context.js';
export { requireReader } from './auth.js';
export { listenEarly, type EarlyServer } from './early-server.js';
export { RequestRejected } from './errors.js';
export type * from './store/types.js';
export { lineColumns } from './store/types.js';
export * from './client/index.js';

export { collectorSecret } from './secrets.js';
export { sqliteNativeBinding } from './store/sqlite-addon.js';
import type { CollectorOptions, RunningCollector } from './start.js';
export type { CollectorOptions, RunningCollector };

/**
 * Starts a collector. Its module is loaded here, when one starts: importing this index (as `kiln
 * run` does before its first task run, for the client and the run token) must not load the
 * store's native addon, the metrics and fastify, which are most of a collector's start.
 */
export const startCollector = async (o?: CollectorOptions): Promise<RunningCollector> =>
  (await import('./start.js')).startCollector(o);

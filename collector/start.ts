// A collector's start: `kiln collector`'s, `kiln serve`'s and `kiln run`'s embedded one. Loaded
// only when one starts (collector/index.ts).
import { join } from 'node:path';
import { listeningUrl, parseListen, UsageError } from '../contract/index.js';
import { mintRunToken, type RunClaims } from './run-token.js';
import { loadOrCreateSecret } from './secrets.js';
import { scheduleRetention, type RetentionConfig } from './retention.js';
import type { CollectorLimits, CollectorPlugin } from './context.js';
import type { EarlyServer } from './early-server.js';
import { DEFAULT_DB_URL, openStore } from './store/open.js';
import { CacheIndex, cacheRoutes, openSqlRunner, type CacheLimits } from './cache/index.js';
import { defaultCacheDir } from './cache/config.js';
import type { Store } from './store/types.js';
import type { LogIngest } from './log-ingest.js';
import { endingOrphans } from './orphans.js';
import type { MetricCaps } from '../contract/metrics/index.js';

export interface CollectorOptions {
  /** HOST:PORT; 127.0.0.1:0 (a free port on loopback) by default. */
  listen?: string;
  /** sqlite:PATH or postgres://…, or an open store (then close() leaves it open). */
  db?: string | Store;
  /** Where generated secrets are kept; `.kiln` by default. */
  stateDir?: string;
  secret?: string;
  secretFile?: string;
  readerToken?: string;
  readerTokenFile?: string;
  retention?: RetentionConfig;
  retentionIntervalMs?: number;
  limits?: Partial<CollectorLimits>;
  plugins?: CollectorPlugin[];
  logger?: boolean;
  /**
   * The dependency cache (/v1/cache/…): blobs under `dir` (default: `cache/` beside the SQLite
   * database, <stateDir>/cache for PostgreSQL), index in the database. Served when `db` is a URL; `false` turns it off.
   */
  cache?: false | { dir?: string; limits?: Partial<CacheLimits>; defaultBranch?: string };
  /** Bounds on the run metrics' label values (docs/metrics.md). */
  metricCaps?: MetricCaps;
  /**
   * Node's own metrics of this process (CPU, memory, event loop, GC) on /metrics; default true.
   * kiln run's embedded collector leaves them out: its process is the CLI's, gone with the run.
   */
  processMetrics?: boolean;
  /**
   * A collector that serves for long (`kiln collector`, `kiln serve`): what pays off only over a
   * long life starts with it (a SQLite store's checkpoint worker). Default false: a `kiln run`'s
   * embedded collector, whose stores mostly never need the worker.
   */
  longLived?: boolean;
  /** Serve on this server, bound ahead (listenEarly), instead of listening on `listen`. */
  server?: EarlyServer;
}

export interface RunningCollector {
  url: string;
  readerToken: string;
  /** Reader token newly generated (so the caller can tell the user where it is). */
  readerTokenCreated: boolean;
  readerTokenFile: string;
  /** Where the write secret is kept; undefined when it was given as a value (KILN_COLLECTOR_SECRET). */
  secretFile?: string;
  store: Store;
  /**
   * Stores log lines as POST /v1/logs does, without its request and token: for the process that
   * runs the collector embedded (kiln run), which is the one writer it trusts without a token.
   */
  ingestLogs: LogIngest['ingest'];
  mintRunToken(claims: RunClaims): string;
  close(): Promise<void>;
}

export async function startCollector(o: CollectorOptions = {}): Promise<RunningCollector> {
  try {
    return await start(o);
  } catch (err) {
    o.server?.fail(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

async function start(o: CollectorOptions): Promise<RunningCollector> {
  const stateDir = o.stateDir ?? '.kiln';
  const { host, port } = parseListen(o.listen ?? '127.0.0.1:0');
  const secret = loadOrCreateSecret({
    value: o.secret,
    file: o.secretFile ?? join(stateDir, 'collector-secret'),
    what: 'collector secret',
  }).value;
  const readerTokenFile = o.readerTokenFile ?? join(stateDir, 'reader-token');
  const reader = loadOrCreateSecret({ value: o.readerToken, file: readerTokenFile, what: 'reader token' });
  // A URL when the collector opens (and so owns) the store; an open store is the caller's.
  const dbUrl = typeof o.db === 'object' ? undefined : (o.db ?? DEFAULT_DB_URL);
  const ownsStore = dbUrl !== undefined;
  const opened = typeof o.db === 'object' ? o.db : await openStore(dbUrl, { longLived: o.longLived });
  // Runs of this machine whose kiln process died are stored as ended as soon as they are read;
  // reading the running ones once at start ends those left by an earlier crash.
  const store = endingOrphans(opened, { persist: true });
  await store.listRuns({ status: 'Running', limit: 500 });
  const cacheOpts = o.cache || undefined;
  const cacheIndex =
    o.cache !== false && dbUrl !== undefined ? await CacheIndex.open(await openSqlRunner(dbUrl)) : undefined;
  const cachePlugins =
    cacheIndex && dbUrl !== undefined
      ? [cacheRoutes({ ...cacheOpts, dir: cacheOpts?.dir ?? defaultCacheDir(dbUrl, stateDir), index: cacheIndex })]
      : [];
  const { buildServer } = await import('./server.js');
  const { app, ctx } = await buildServer({
    store,
    secret,
    readerToken: reader.value,
    limits: o.limits,
    plugins: [...(o.plugins ?? []), ...cachePlugins],
    logger: o.logger,
    metricCaps: o.metricCaps,
    processMetrics: o.processMetrics,
    early: o.server,
  });
  const stopRetention = scheduleRetention(store, o.retention ?? {}, o.retentionIntervalMs ?? 10 * 60_000, (err) =>
    app.log.error(err),
  );
  try {
    if (o.server) {
      await app.ready();
      o.server.serve();
    } else await app.listen({ host, port });
  } catch (err) {
    stopRetention();
    await cacheIndex?.close();
    if (ownsStore) await opened.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `--listen ${host}:${port}: the address is in use`,
        'pick another port, or stop what listens there',
      );
    }
    throw err;
  }
  return {
    url: o.server?.url ?? listeningUrl(host, app.server.address(), port),
    readerToken: reader.value,
    readerTokenCreated: reader.created,
    readerTokenFile,
    secretFile: o.secret ? undefined : (o.secretFile ?? join(stateDir, 'collector-secret')),
    store,
    ingestLogs: (batch) => ctx.logs.ingest(batch),
    mintRunToken: (claims) => mintRunToken(secret, claims),
    async close() {
      stopRetention();
      await app.close();
      // fastify closes only a server it listened on itself.
      await o.server?.close();
      await cacheIndex?.close();
      if (ownsStore) await opened.close();
    },
  };
}

// The collector's HTTP server: fastify with the route plugins, error mapping and metrics.
// Other parts add routes through `plugins` (the cache's blob endpoints register there).
import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { checkWriterOnRequest, requireReader } from './auth.js';
import { bodyBudget, checkParams, errorHandler, logServerError } from './request-guards.js';
import { createMetrics } from './metrics.js';
import type { MetricCaps } from '../contract/metrics/index.js';
import { meteredStore } from './run-metrics.js';
import { approvalRoutes } from './approvals/routes.js';
import { logRoutes } from './routes-logs.js';
import { logIngest } from './log-ingest.js';
import { resultRoutes } from './routes-results.js';
import { runRoutes } from './routes-runs.js';
import { DEFAULT_LIMITS, type CollectorContext, type CollectorLimits, type CollectorPlugin } from './context.js';
import { uiRoutes } from './ui/routes.js';
import type { EarlyServer } from './early-server.js';
import { lazySchemaCompilers } from './schema-compilers.js';

/** The route plugins every collector serves; add a part's plugin here (or pass it in `plugins`). */
export const ROUTE_PLUGINS: CollectorPlugin[] = [runRoutes, logRoutes, resultRoutes, approvalRoutes, uiRoutes];

export async function buildServer(
  o: Omit<CollectorContext, 'metrics' | 'changes' | 'logs' | 'limits' | 'logServerError'> & {
    limits?: Partial<CollectorLimits>;
    plugins?: CollectorPlugin[];
    logger?: boolean;
    /** Bounds on the run metrics' label values (docs/metrics.md). */
    metricCaps?: MetricCaps;
    /** Node's process metrics on /metrics (metrics.ts); default true. */
    processMetrics?: boolean;
    /** A server bound ahead (early-server.ts), served once the app is ready; absent: fastify makes one at listen. */
    early?: EarlyServer;
  },
): Promise<{ app: FastifyInstance; ctx: CollectorContext }> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const logger = o.logger ?? false;
  const metrics = createMetrics(o.metricCaps, o.processMetrics);
  const store = meteredStore(o.store, metrics.runs);
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const ctx: CollectorContext = {
    store,
    secret: o.secret,
    readerToken: o.readerToken,
    limits,
    metrics,
    changes,
    logs: logIngest(store, metrics, changes, limits.followShare),
    logServerError: (req, err) => logServerError(req, err, logger),
  };
  // Task run and result names in paths may be as long as Kubernetes names (253), over fastify's 100.
  // The timeouts and the connection cap bound what slow or unfinished requests can hold.
  const app = Fastify({
    logger,
    bodyLimit: limits.jsonBodyBytes,
    routerOptions: { maxParamLength: 256 },
    genReqId: () => randomUUID(),
    schemaController: { compilersFactory: lazySchemaCompilers() },
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks request and header deadlines at this interval (30 s by default, past most deadlines).
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    ...(o.early && { serverFactory: (handler: Parameters<EarlyServer['adopt']>[0]) => o.early!.adopt(handler) }),
  });
  app.server.maxConnections = limits.maxConnections;

  app.setErrorHandler(errorHandler(ctx, logger));
  app.addHook('onRequest', checkParams);
  app.addHook('onRequest', checkWriterOnRequest(ctx.secret));
  app.addHook('onRequest', bodyBudget(limits));

  app.get('/healthz', async () => ({ ok: true, store: ctx.store.kind }));
  // A read like any other: Prometheus sends the reader token (`authorization.credentials_file`).
  app.get('/metrics', async (req, reply) => {
    requireReader(req, ctx);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  for (const plugin of [...ROUTE_PLUGINS, ...(o.plugins ?? [])]) await plugin(app, ctx);
  return { app, ctx };
}

// The collector's HTTP server: fastify with the route plugins, error mapping and metrics.
// Other parts add routes through `plugins` (the cache's blob endpoints register there).
import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { requireReader } from './auth.js';
import { RequestRejected } from './errors.js';
import { createMetrics } from './metrics.js';
import { logRoutes } from './routes-logs.js';
import { resultRoutes } from './routes-results.js';
import { runRoutes } from './routes-runs.js';
import {
  DEFAULT_LIMITS,
  type CollectorContext,
  type CollectorLimits,
  type CollectorPlugin,
  type RouteConfig,
} from './context.js';
import { uiRoutes } from './ui/routes.js';

/** The route plugins every collector serves; add a part's plugin here (or pass it in `plugins`). */
export const ROUTE_PLUGINS: CollectorPlugin[] = [runRoutes, logRoutes, resultRoutes, uiRoutes];

export async function buildServer(
  o: Omit<CollectorContext, 'metrics' | 'changes' | 'limits'> & {
    limits?: Partial<CollectorLimits>;
    plugins?: CollectorPlugin[];
    logger?: boolean;
  },
): Promise<{ app: FastifyInstance; ctx: CollectorContext }> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const ctx: CollectorContext = {
    store: o.store,
    secret: o.secret,
    readerToken: o.readerToken,
    limits,
    metrics: createMetrics(),
    changes: new EventEmitter(),
  };
  ctx.changes.setMaxListeners(0);
  // Task run and result names in paths may be as long as Kubernetes names (253), over fastify's 100.
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: limits.jsonBodyBytes,
    routerOptions: { maxParamLength: 256 },
  });

  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { statusCode?: number; code?: string };
    const status = e instanceof RequestRejected ? e.status : e.statusCode && e.statusCode < 500 ? e.statusCode : 500;
    ctx.metrics.errors.inc({ status: String(status) });
    if (status >= 500) req.log.error(err);
    const message =
      e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? ((req.routeOptions.config as RouteConfig).bodyTooLarge ??
          `request body over the limit of ${limits.jsonBodyBytes} bytes; send smaller batches`)
        : status >= 500
          ? 'internal error (see the collector log)'
          : e.message;
    return reply.code(status).send({ error: message });
  });

  app.get('/healthz', async () => ({ ok: true, store: ctx.store.kind }));
  // A read like any other: Prometheus sends the reader token (`authorization.credentials_file`).
  app.get('/metrics', async (req, reply) => {
    requireReader(req, ctx.readerToken);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  for (const plugin of [...ROUTE_PLUGINS, ...(o.plugins ?? [])]) await plugin(app, ctx);
  return { app, ctx };
}

// What the server checks and says around every route: repeated query parameters (a 400 naming
// the parameter, never a handler tripping on an array), a NUL in a path or query parameter (a 400
// on both stores: PostgreSQL's TEXT cannot hold one), and the answer to a failed request, where
// every 5xx is logged with the request id its response carries.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestRejected } from './errors.js';
import type { CollectorContext, CollectorLimits, RouteConfig } from './context.js';

/** onRequest: each query parameter once, unless the route reads it as a list; no NUL in any parameter. */
export async function checkParams(req: FastifyRequest): Promise<void> {
  const allowed = (req.routeOptions.config as RouteConfig | undefined)?.repeatable ?? [];
  for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(value) && !allowed.includes(name))
      throw new RequestRejected(400, `query parameter ${name} is given ${value.length} times; give it once`);
    if ([value].flat().some((v) => typeof v === 'string' && v.includes('\u0000')))
      throw new RequestRejected(400, `query parameter ${name} contains a NUL character`);
  }
  for (const [name, value] of Object.entries((req.params ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && value.includes('\u0000'))
      throw new RequestRejected(400, `path parameter ${name} contains a NUL character`);
  }
}

/** Bodies this small are always admitted: run records and acks must not wait behind log batches. */
const SMALL_BODY = 64 * 1024;

/**
 * onRequest: admits a body only while the bodies being received fit `limits.bodyBytesInFlight`, so
 * many unfinished large bodies (each up to its route's limit) cannot take the collector's memory.
 * A refused writer gets a 429 (the log proxy retries it) and its connection closed.
 */
export function bodyBudget(limits: CollectorLimits) {
  let inFlight = 0;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return;
    if ((req.routeOptions.config as RouteConfig | undefined)?.streamsBody) return;
    const declared = Number(req.headers['content-length'] ?? NaN);
    // No length (chunked): it may grow to the largest body a route takes.
    const bytes = Number.isFinite(declared) ? declared : Math.max(limits.logBodyBytes, limits.jsonBodyBytes);
    if (bytes <= SMALL_BODY) return;
    if (inFlight + bytes > limits.bodyBytesInFlight) {
      reply.header('connection', 'close').header('retry-after', '1');
      throw new RequestRejected(
        429,
        `the collector is receiving ${inFlight} bytes of request bodies (limit ${limits.bodyBytesInFlight}); retry`,
      );
    }
    inFlight += bytes;
    reply.raw.once('close', () => (inFlight -= bytes));
  };
}

/** The collector's error answer: `{ error, requestId }` and an x-request-id header. */
export function errorHandler(ctx: CollectorContext, logger: boolean) {
  return (err: Error, req: FastifyRequest, reply: FastifyReply) => {
    const e = err as Error & { statusCode?: number; code?: string };
    const status = e instanceof RequestRejected ? e.status : e.statusCode && e.statusCode < 500 ? e.statusCode : 500;
    ctx.metrics.errors.inc({ status: String(status) });
    if (status >= 500) logServerError(req, err, logger);
    const message =
      e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? ((req.routeOptions.config as RouteConfig).bodyTooLarge ??
          `request body over the limit of ${ctx.limits.jsonBodyBytes} bytes; send smaller batches`)
        : status >= 500
          ? `internal error (see the collector log, request ${req.id})`
          : e.message;
    return reply.code(status).header('x-request-id', req.id).send({ error: message, requestId: req.id });
  };
}

/** A 5xx is never silent: fastify's log when it is on, else stderr. */
export function logServerError(req: FastifyRequest, err: unknown, logger: boolean): void {
  if (logger) return void req.log.error({ err, requestId: req.id }, 'request failed');
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`kiln collector: request ${req.id} ${req.method} ${req.url.split('?')[0]} failed: ${detail}\n`);
}

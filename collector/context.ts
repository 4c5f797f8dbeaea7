// What the collector's server hands every route plugin, and its limits. Apart from server.ts so
// that the routes, which the server registers, do not import the server back.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LogIngest } from './log-ingest.js';
import type { CollectorMetrics } from './metrics.js';
import type { Store } from './store/types.js';

export interface CollectorLimits {
  /** Largest POST /v1/logs body. */
  logBodyBytes: number;
  /** Largest JSON body (run records). */
  jsonBodyBytes: number;
  /** Largest task result value (PUT /v1/runs/{run}/taskruns/{taskRun}/results/{name}). */
  resultBytes: number;
  /** Time to receive a whole request, headers and body (a cache archive too); a slower one is cut off with a 408. */
  requestTimeoutMs: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** A connection with no byte either way for this long is closed (a follow stream's heartbeat is every 15 s). */
  idleTimeoutMs: number;
  /** How long a kept-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /** Open connections at most: more are closed as they are accepted. */
  maxConnections: number;
  /**
   * Request bodies over 64 KiB being received at once, in declared bytes (a cache archive, streamed
   * to disk, does not count): past it a write is answered 429 before its body is read.
   */
  bodyBytesInFlight: number;
  /**
   * The fraction of the event loop that writing to followers (SSE) may take while logs are being
   * ingested (collector/follow-budget.ts): followers over it wait and catch up from the store.
   */
  followShare: number;
}

// A run record holds its task results in full, and a result may be up to resultBytes: records get room for several.
export const DEFAULT_LIMITS: CollectorLimits = {
  logBodyBytes: 8 * 1024 * 1024,
  jsonBodyBytes: 16 * 1024 * 1024,
  resultBytes: 1024 * 1024,
  requestTimeoutMs: 120_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  bodyBytesInFlight: 128 * 1024 * 1024,
  followShare: 0.05,
};

/** A route with a body limit of its own says what to do about it: `config: { bodyTooLarge }`. */
export interface RouteConfig {
  bodyTooLarge?: string;
  /** Query parameters the route reads as a list; any other given twice is a 400. */
  repeatable?: string[];
  /** The route streams its body to disk: it holds no memory for it. */
  streamsBody?: boolean;
  /** A webhook: the route checks the sender's signature over the body itself, not a run token. */
  signedBody?: boolean;
  /** A person's write (an approval's decision): checked against a named token, not a run token. */
  byPerson?: boolean;
}

/** What every route plugin gets: the store, the secrets, metrics, and the change feed. */
export interface CollectorContext {
  store: Store;
  secret: string;
  readerToken: string;
  metrics: CollectorMetrics;
  limits: CollectorLimits;
  /** Emits a pipeline run id whenever its logs or record change (wakes followers). */
  changes: EventEmitter;
  /** How log batches are stored, by POST /v1/logs and by an embedded collector's own process. */
  logs: LogIngest;
  /** Logs a failure the client was told of only as a 5xx (or an SSE error event). */
  logServerError(req: FastifyRequest, err: unknown): void;
}

export type CollectorPlugin = (app: FastifyInstance, ctx: CollectorContext) => Promise<void>;

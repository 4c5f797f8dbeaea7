// What the collector's server hands every route plugin, and its limits. Apart from server.ts so
// that the routes, which the server registers, do not import the server back.
import type { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { CollectorMetrics } from './metrics.js';
import type { Store } from './store/types.js';

export interface CollectorLimits {
  /** Largest POST /v1/logs body. */
  logBodyBytes: number;
  /** Largest JSON body (run records). */
  jsonBodyBytes: number;
  /** Largest task result value (PUT /v1/runs/{run}/taskruns/{taskRun}/results/{name}). */
  resultBytes: number;
}

// A run record holds its task results in full, and a result may be up to resultBytes: records get room for several.
export const DEFAULT_LIMITS: CollectorLimits = {
  logBodyBytes: 8 * 1024 * 1024,
  jsonBodyBytes: 16 * 1024 * 1024,
  resultBytes: 1024 * 1024,
};

/** A route with a body limit of its own says what to do about it: `config: { bodyTooLarge }`. */
export interface RouteConfig {
  bodyTooLarge?: string;
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
}

export type CollectorPlugin = (app: FastifyInstance, ctx: CollectorContext) => Promise<void>;

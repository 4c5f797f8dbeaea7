// kiln serve's webhook endpoint, a collector route plugin: POST /v1/hooks/{trigger} takes the raw
// body (the signature is over its bytes), lets triggers/ decide and record it, and hands an
// accepted delivery to the run queue; GET /v1/hooks/deliveries lists what came (reader token).
import type { FastifyInstance } from 'fastify';
import { RequestRejected, requireReader, type CollectorPlugin, type RouteConfig } from '../../collector/index.js';
import { receiveDelivery, type Trigger } from '../../triggers/index.js';
import type { RunQueue } from './run-queue.js';
import type { ServeStore } from './serve-store.js';

export interface HookRouteOptions {
  triggers: Map<string, { trigger: Trigger; secret: string }>;
  store: ServeStore;
  queue: RunQueue;
  /** Largest webhook body taken (GitHub's own cap is 25 MB). */
  maxBodyBytes: number;
}

export function hookRoutes(o: HookRouteOptions): CollectorPlugin {
  return async (app, ctx) => {
    await app.register(async (scope: FastifyInstance) => {
      // Only here: every body is kept as the bytes received, whatever its content type.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.maxBodyBytes }, (_req, body, done) =>
        done(null, body),
      );
      const config: RouteConfig = {
        signedBody: true,
        bodyTooLarge: `webhook body over the limit of ${o.maxBodyBytes} bytes (kiln serve --max-hook-body)`,
      };
      scope.post<{ Params: { trigger: string } }>(
        '/v1/hooks/:trigger',
        { config, bodyLimit: o.maxBodyBytes },
        async (req, reply) => {
          const name = req.params.trigger;
          const found = o.triggers.get(name);
          if (!found) {
            const reason = `no trigger named ${JSON.stringify(name.slice(0, 100))}`;
            await o.store.note({
              trigger: name.slice(0, 100),
              deliveryId: '-',
              receivedAt: new Date().toISOString(),
              outcome: 'refused',
              reason,
            });
            throw new RequestRejected(404, reason);
          }
          const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const answer = await receiveDelivery(found.trigger, found.secret, { headers: req.headers, raw }, o.store);
          const d = answer.decision;
          if (answer.body.outcome === 'accepted' && d.outcome === 'accepted') {
            await o.queue.add({
              seq: 0,
              runId: answer.body.run!,
              trigger: name,
              deliveryId: d.deliveryId,
              params: d.params,
              facts: d.facts,
              ...(d.group !== undefined ? { group: d.group } : {}),
              state: 'queued',
              enqueuedAt: new Date().toISOString(),
            });
          }
          return reply.code(answer.httpStatus).send(answer.body);
        },
      );
      scope.get<{ Querystring: { trigger?: string; limit?: string } }>('/v1/hooks/deliveries', async (req) => {
        requireReader(req, ctx);
        const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 1000);
        return { deliveries: o.store.deliveries({ trigger: req.query.trigger || undefined, limit }) };
      });
    });
  };
}

// Logs: POST /v1/logs (protobuf ingest), GET /v1/runs/{id}/logs (pages, or SSE with follow=1),
// GET /v1/search.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogAck, PROTOBUF_MEDIA_TYPE } from '../contract/log-wire/index.js';
import { GarbageBudget } from '../contract/stream-garbage/index.js';
import { requireReader, requireRunWriter } from './auth.js';
import { decodeFollowCursor, decodeLogCursor, encodeFollowCursor, encodeLogCursor } from './cursor.js';
import { decodeLogBatch } from './decode.js';
import { RequestRejected } from './errors.js';
import { BodyPool, readBody } from './log-body.js';
import { followLogs, type FollowPositions } from './follow.js';
import { FollowBudget } from './follow-budget.js';
import { FollowFanout } from './follow-fanout.js';
import { timed } from './metrics.js';
import { intParam } from './params.js';
import type { CollectorContext, RouteConfig } from './context.js';
import type { LogPage } from './store/types.js';

type Query = Record<string, string | undefined>;

/** How often an idle follow stream gets a comment, so proxies and clients do not take it for dead. */
const FOLLOW_HEARTBEAT_MS = 15_000;

export async function logRoutes(app: FastifyInstance, ctx: CollectorContext): Promise<void> {
  const { store, metrics } = ctx;
  // Open follow streams: a closing collector ends them (their clients reconnect to its successor)
  // rather than wait for followers that may never leave.
  const follows = new Set<ServerResponse>();
  const fanout = new FollowFanout(store, ctx.changes);
  const budget = ctx.logs.followBudget;
  app.addHook('preClose', (done) => {
    for (const res of follows) res.destroy();
    done();
  });

  const config: RouteConfig = {
    bodyTooLarge: `request body over the limit of ${ctx.limits.logBodyBytes} bytes; send smaller batches`,
  };
  // The batch's lines are views of its body until they are stored: the body goes back to the pool after.
  const bodies = new BodyPool();
  // The body's socket chunks (garbage once copied into it) are freed young: contract/stream-garbage/.
  const chunks = new GarbageBudget();
  app.addContentTypeParser(PROTOBUF_MEDIA_TYPE, (_req: FastifyRequest, payload: IncomingMessage) =>
    readBody(payload, ctx.limits.logBodyBytes, bodies, config.bodyTooLarge!),
  );

  app.post('/v1/logs', { config }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) {
      throw new RequestRejected(
        400,
        `POST /v1/logs takes a protobuf LogBatch with Content-Type: ${PROTOBUF_MEDIA_TYPE}`,
      );
    }
    try {
      metrics.bytes.inc(req.body.length);
      const batch = decodeLogBatch(req.body);
      requireRunWriter(req, ctx.secret, batch.pipelineRun);
      const acks = await ctx.logs.ingest(batch);
      if ((req.headers.accept ?? '').includes(PROTOBUF_MEDIA_TYPE)) {
        return reply.type(PROTOBUF_MEDIA_TYPE).send(Buffer.from(LogAck.encode({ steps: acks }).finish()));
      }
      return { steps: acks };
    } finally {
      bodies.give(req.body);
      chunks.add(req.body.length);
    }
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v1/runs/:id/logs', async (req, reply) => {
    requireReader(req, ctx);
    const runId = req.params.id;
    const q = req.query;
    const after = q.from ? decodeLogCursor(q.from) : undefined;
    const limit = intParam(q.limit, 'limit', { min: 1, max: 10_000, fallback: 1000 });
    const tail = q.tail === undefined ? undefined : intParam(q.tail, 'tail', { min: 1, max: 10_000 });
    const [run, streams] = await Promise.all([store.getRun(runId), store.logStreams(runId)]);
    if (!run && streams.length === 0) throw new RequestRejected(404, `run ${JSON.stringify(runId)} is unknown`);
    if (q.follow === '1' || q.follow === 'true') {
      // A follower that lost its connection resumes where its last event left it (SSE's own way).
      const resume = req.headers['last-event-id'];
      const positions = typeof resume === 'string' && resume ? decodeFollowCursor(resume) : new Map();
      return streamFollow(
        req,
        reply,
        ctx,
        { follows, fanout, budget },
        { runId, task: q.task, step: q.step, positions },
      );
    }
    const page = await timed(metrics, 'readLogs', () =>
      store.readLogs({ runId, task: q.task || undefined, step: q.step || undefined, after, tail, limit }),
    );
    return pageJson(page, limit);
  });

  app.get<{ Querystring: Query }>('/v1/search', async (req) => {
    requireReader(req, ctx);
    const text = req.query.q ?? '';
    if (!text) throw new RequestRejected(400, 'q is required: the text to search the logs for');
    if (text.length > 1000) throw new RequestRejected(400, 'q is longer than 1000 characters');
    const limit = intParam(req.query.limit, 'limit', { min: 1, max: 1000, fallback: 100 });
    const hits = await timed(metrics, 'search', () => store.search({ text, runId: req.query.run || undefined, limit }));
    return { hits };
  });
}

function pageJson(page: LogPage, limit: number) {
  return { lines: page.lines, next: page.lines.length === limit && page.last ? encodeLogCursor(page.last) : null };
}

/**
 * Server-sent events: `event: line` per line, then `event: end`. The last line of each page
 * carries an `id`: every followed step's position, which a reconnecting client sends back as
 * Last-Event-ID to go on from there.
 */
async function streamFollow(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: CollectorContext,
  { follows, fanout, budget }: { follows: Set<ServerResponse>; fanout: FollowFanout; budget: FollowBudget },
  o: { runId: string; task?: string; step?: string; positions: FollowPositions },
) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Headers now, not with the first line: a quiet step must not look like a collector that never answers.
  res.flushHeaders();
  follows.add(res);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), FOLLOW_HEARTBEAT_MS);
  let closed = false;
  // The client gone, or the collector closing (which destroys the response): wake the loop to end.
  res.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    follows.delete(res);
    ctx.changes.emit(o.runId);
  });
  const waitForChange = () =>
    new Promise<void>((resolve) => {
      // The store may also be written by another collector (a shared PostgreSQL): look again after a second anyway.
      const timer = setTimeout(done, 1000);
      function done() {
        clearTimeout(timer);
        ctx.changes.off(o.runId, done);
        resolve();
      }
      ctx.changes.on(o.runId, done);
    });
  try {
    for await (const page of followLogs(fanout.source(o.runId), {
      ...o,
      task: o.task || undefined,
      step: o.step || undefined,
      waitForChange,
      isCancelled: () => closed,
    })) {
      await budget.turn();
      if (closed) return;
      const t0 = performance.now();
      // The lines' bytes are shared by every follower of the page; the id (its positions) is its own.
      const { head, last } = fanout.encode(page);
      res.cork();
      if (head.length) res.write(head);
      res.write(`id: ${encodeFollowCursor(o.positions)}\n`);
      const flowing = res.write(last);
      res.uncork();
      budget.spent(performance.now() - t0);
      if (!flowing)
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      if (closed) return;
    }
    res.end('event: end\ndata: {}\n\n');
  } catch (err) {
    ctx.logServerError(req, err);
    res.end(`event: error\ndata: ${JSON.stringify({ error: (err as Error).message, requestId: req.id })}\n\n`);
  }
}

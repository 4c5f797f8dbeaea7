// Run records: POST /v1/runs, PATCH /v1/runs/{id}, GET /v1/runs, GET /v1/runs/{id}.
import type { FastifyInstance } from 'fastify';
import type { RunRecord } from '../contract/index.js';
import { requireReader, requireRunWriter } from './auth.js';
import { decodeRunCursor, encodeRunCursor } from './cursor.js';
import { RequestRejected } from './errors.js';
import { timed } from './metrics.js';
import type { CollectorContext } from './context.js';
import { checkRecordClaims, checkRunRecord, mergeRunPatch } from './validate-run.js';
import { intParam } from './params.js';
import { keepDecisions } from './approvals/decide.js';

function wholeRecordOrUnknown(body: unknown, id: string): RunRecord {
  try {
    return checkRunRecord(body, `PATCH /v1/runs/${id}`);
  } catch {
    throw new RequestRejected(
      404,
      `run ${JSON.stringify(id)} is unknown; POST /v1/runs it first, or PATCH a whole run record`,
    );
  }
}

export async function runRoutes(app: FastifyInstance, ctx: CollectorContext): Promise<void> {
  const { store, metrics } = ctx;

  app.post('/v1/runs', async (req, reply) => {
    const posted = checkRunRecord(req.body, 'POST /v1/runs');
    checkRecordClaims(posted, requireRunWriter(req, ctx.secret, posted.id), 'POST /v1/runs');
    // A restarted controller posts its run afresh: a decision made meanwhile must not be lost.
    const stored = await timed(metrics, 'getRun', () => store.getRun(posted.id));
    const record = stored ? keepDecisions(stored, posted) : posted;
    await timed(metrics, 'putRun', () => store.putRun(record));
    ctx.changes.emit(record.id);
    return reply.code(201).send({ id: record.id });
  });

  app.patch<{ Params: { id: string } }>('/v1/runs/:id', async (req) => {
    const id = req.params.id;
    const claims = requireRunWriter(req, ctx.secret, id);
    const stored = await timed(metrics, 'getRun', () => store.getRun(id));
    // A whole record for an unknown run is taken as is: its POST may have been lost to an outage.
    const record = stored
      ? keepDecisions(stored, mergeRunPatch(stored, req.body, id))
      : wholeRecordOrUnknown(req.body, id);
    if (record.id !== id)
      throw new RequestRejected(
        400,
        `PATCH /v1/runs/${id}: the body's id ${JSON.stringify(record.id)} differs from the path's`,
      );
    checkRecordClaims(record, claims, `PATCH /v1/runs/${id}`);
    await timed(metrics, 'putRun', () => store.putRun(record));
    ctx.changes.emit(id);
    return { id };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/runs', async (req) => {
    requireReader(req, ctx);
    const q = req.query;
    const limit = intParam(q.limit, 'limit', { min: 1, max: 500, fallback: 50 });
    const runs = await timed(metrics, 'listRuns', () =>
      store.listRuns({
        pipeline: q.pipeline || undefined,
        status: q.status || undefined,
        limit,
        before: q.cursor ? decodeRunCursor(q.cursor) : undefined,
      }),
    );
    const last = runs[runs.length - 1];
    return {
      runs: runs.map(({ startedMs: _omit, ...r }) => r),
      next: runs.length === limit && last ? encodeRunCursor(last.startedMs, last.id) : null,
    };
  });

  app.get<{ Params: { id: string } }>('/v1/runs/:id', async (req) => {
    requireReader(req, ctx);
    const run = await timed(metrics, 'getRun', () => store.getRun(req.params.id));
    if (!run) throw new RequestRejected(404, `run ${JSON.stringify(req.params.id)} is unknown`);
    return run;
  });
}

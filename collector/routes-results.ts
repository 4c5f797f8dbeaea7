// Large task results: PUT/GET /v1/runs/{run}/taskruns/{taskRun}/results/{name}. A step's result
// too big for the 4 KiB termination message is uploaded here by the in-pod agent, and read back by
// the engine, which holds only the run's token.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { requireReaderOrRun, requireRunWriter } from './auth.js';
import { RequestRejected } from './errors.js';
import { timed } from './metrics.js';
import type { CollectorContext, RouteConfig } from './context.js';

type Params = { run: string; taskRun: string; name: string };

const RESULT_ROUTE = '/v1/runs/:run/taskruns/:taskRun/results/:name';
/** Task run and result names: Kubernetes-name-sized, and safe in a path. */
const NAME = /^[A-Za-z0-9_][\w.-]{0,252}$/;

function checkNames(p: Params): void {
  for (const [what, v] of [
    ['taskRun', p.taskRun],
    ['result name', p.name],
  ] as const) {
    if (!NAME.test(v)) {
      throw new RequestRejected(
        400,
        `${what} ${JSON.stringify(v.slice(0, 60))} is not valid: letters, digits, _ . -, starting with a letter, digit or _, at most 253 characters`,
      );
    }
  }
}

export async function resultRoutes(app: FastifyInstance, ctx: CollectorContext): Promise<void> {
  const { store, metrics } = ctx;

  // A scope of its own: the raw-bytes parsers must not change how other routes read their bodies.
  await app.register(async (scope) => {
    for (const type of ['application/octet-stream', 'text/plain']) {
      scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: ctx.limits.resultBytes }, (_req, body, done) =>
        done(null, body),
      );
    }

    const config: RouteConfig = {
      bodyTooLarge: `task result over the limit of ${ctx.limits.resultBytes} bytes; write a smaller result (or raise the collector's resultBytes limit)`,
    };
    scope.put<{ Params: Params }>(RESULT_ROUTE, { config }, async (req, reply) => {
      const p = req.params;
      requireRunWriter(req, ctx.secret, p.run);
      checkNames(p);
      if (!Buffer.isBuffer(req.body)) {
        throw new RequestRejected(
          400,
          'send the result value as the raw body, with Content-Type: application/octet-stream',
        );
      }
      const value = req.body;
      if (!(await timed(metrics, 'getRun', () => store.getRun(p.run)))) {
        throw new RequestRejected(
          404,
          `run ${JSON.stringify(p.run)} is unknown; POST /v1/runs it first, then upload its task results`,
        );
      }
      await timed(metrics, 'putResult', () =>
        store.putResult({ runId: p.run, taskRun: p.taskRun, name: p.name, value }),
      );
      return reply.code(201).send({ sha256: createHash('sha256').update(value).digest('hex'), size: value.length });
    });

    scope.get<{ Params: Params }>(RESULT_ROUTE, async (req, reply) => {
      const p = req.params;
      requireReaderOrRun(req, ctx, p.run);
      checkNames(p);
      const value = await timed(metrics, 'getResult', () => store.getResult(p.run, p.taskRun, p.name));
      if (!value) {
        throw new RequestRejected(
          404,
          `no result ${JSON.stringify(p.name)} of task run ${JSON.stringify(p.taskRun)} in run ${JSON.stringify(p.run)}`,
        );
      }
      return reply.type('application/octet-stream').send(value);
    });
  });
}

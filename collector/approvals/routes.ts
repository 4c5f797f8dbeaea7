// Approval gates at the collector. POST /v1/runs/{run}/approvals/{task}: a person (named token)
// decides; GET /v1/runs/{run}/approvals/{task}?wait=S: the engine (its run token) or a reader
// learns the decision, held open until one is made or S seconds pass (long poll: a decision
// reaches the waiting engine as it is stored, without polling).
import type { FastifyInstance } from 'fastify';
import { APPROVAL_PATH_SEPARATOR, type RunRecord } from '../../contract/index.js';
import { requirePerson, requireReaderOrRun } from '../auth.js';
import type { CollectorContext, RouteConfig } from '../context.js';
import { RequestRejected } from '../errors.js';
import { timed } from '../metrics.js';
import { intParam } from '../params.js';
import { checkApprovalRequest, decide } from './decide.js';
import { findTask, gatePaths } from './gate-path.js';
import { MAX_APPROVAL_WAIT_S } from './limits.js';

type Params = { run: string; task: string };

/**
 * A gate's state. `runStatus` is the status of the run that holds it: for a gate of a called
 * pipeline, that pipeline's run, which ends (and so can no longer be decided) before its root.
 */
function approvalAnswer(run: RunRecord, task: string) {
  const found = findTask(run, task);
  if (!found?.task.approval)
    throw new RequestRejected(
      404,
      `run ${run.id} has no approval task "${task}" (its approval tasks: ${gatePaths(run).join(', ') || 'none'})`,
    );
  const holder = found.runs.find((r) => r.status !== 'Running') ?? found.runs[found.runs.length - 1]!;
  return { run: run.id, runStatus: holder.status, task, status: found.task.status, approval: found.task.approval };
}

export async function approvalRoutes(app: FastifyInstance, ctx: CollectorContext): Promise<void> {
  const { store, metrics } = ctx;
  const getRun = async (id: string) => {
    const run = await timed(metrics, 'getRun', () => store.getRun(id));
    if (!run) throw new RequestRejected(404, `run ${JSON.stringify(id)} is unknown`);
    return run;
  };
  // One decision at a time per run: two people approving at once must not both win.
  const deciding = new Map<string, Promise<unknown>>();

  app.post<{ Params: Params }>(
    '/v1/runs/:run/approvals/:task',
    { config: { byPerson: true } satisfies RouteConfig },
    async (req) => {
      const { run: id, task } = req.params;
      const who = requirePerson(req, ctx.secret);
      const body = checkApprovalRequest(req.body, `POST /v1/runs/${id}/approvals/${task}`);
      const previous = deciding.get(id) ?? Promise.resolve();
      const mine = previous.then(async () => {
        const decided = decide(await getRun(id), task, who, body, Date.now());
        await timed(metrics, 'putRun', () => store.putRun(decided));
        ctx.changes.emit(id);
        return approvalAnswer(decided, task);
      });
      const settled = mine.catch(() => undefined);
      deciding.set(id, settled);
      void settled.then(() => deciding.get(id) === settled && deciding.delete(id));
      return mine;
    },
  );

  app.get<{ Params: Params; Querystring: { wait?: string } }>('/v1/runs/:run/approvals/:task', async (req) => {
    const { run: id, task } = req.params;
    requireReaderOrRun(req, ctx, id);
    const waitS = intParam(req.query.wait, 'wait', { min: 0, max: MAX_APPROVAL_WAIT_S, fallback: 0 });
    const run = await getRun(id);
    // A gate of a called pipeline is known once the record with that pipeline's run arrives, which
    // may follow the engine's first wait: a waiting caller is held for it rather than sent a 404.
    const later = waitS > 0 && run.status === 'Running' && task.includes(APPROVAL_PATH_SEPARATOR);
    const first = later && !findTask(run, task) ? undefined : approvalAnswer(run, task);
    const settled = (a: ReturnType<typeof approvalAnswer>) => a.approval.decision || a.runStatus !== 'Running';
    if (first && (settled(first) || waitS === 0)) return first;
    // Woken by every change of the run; answers once the decision is there, or at the wait's end.
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ctx.changes.off(id, onChange);
        req.raw.off('close', onClose);
        fn();
      };
      const onChange = () => {
        getRun(id)
          .then((r) => {
            if (!findTask(r, task) && r.status === 'Running') return; // not there yet
            const a = approvalAnswer(r, task);
            if (settled(a)) finish(() => resolve(a));
          })
          .catch((err: unknown) => finish(() => reject(err)));
      };
      // The client has gone: whatever is answered, no one reads it.
      const onClose = () => finish(() => resolve(first ?? {}));
      const timer = setTimeout(
        () => finish(() => getRun(id).then((r) => resolve(approvalAnswer(r, task)), reject)),
        waitS * 1000,
      );
      ctx.changes.on(id, onChange);
      req.raw.on('close', onClose);
    });
  });
}

// The decision on an approval gate, pure: from the stored run record, who asks and what they ask
// to the record with the decision in it, or the 4xx that says why not.
import {
  MAX_APPROVAL_COMMENT,
  type ApprovalRequest,
  type RunRecord,
  type TaskRunRecord,
} from '../../contract/index.js';
import { RequestRejected } from '../errors.js';
import type { PersonClaims } from '../person-token.js';

/** The body of a decision, checked. */
export function checkApprovalRequest(body: unknown, where: string): ApprovalRequest {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object' || Array.isArray(b))
    throw new RequestRejected(
      400,
      `${where}: the body must be a JSON object {"decision": "approve" | "reject", "comment": "…"}`,
    );
  for (const key of Object.keys(b)) {
    if (key !== 'decision' && key !== 'comment')
      throw new RequestRejected(400, `${where}: unknown field "${key}"; a decision has decision and comment`);
  }
  if (b.decision !== 'approve' && b.decision !== 'reject')
    throw new RequestRejected(
      400,
      `${where}: decision must be "approve" or "reject", not ${JSON.stringify(b.decision)}`,
    );
  if (b.comment !== undefined && typeof b.comment !== 'string')
    throw new RequestRejected(400, `${where}: comment must be a string`);
  if (typeof b.comment === 'string' && b.comment.length > MAX_APPROVAL_COMMENT)
    throw new RequestRejected(
      400,
      `${where}: comment is ${b.comment.length} characters, at most ${MAX_APPROVAL_COMMENT}`,
    );
  if (b.decision === 'reject' && !b.comment?.trim())
    throw new RequestRejected(
      400,
      `${where}: a rejection needs a comment saying why (kiln reject RUN TASK -m "reason")`,
    );
  return { decision: b.decision, ...(b.comment ? { comment: b.comment } : {}) };
}

const approvalTasks = (r: RunRecord) => r.tasks.filter((t) => t.approval).map((t) => t.name);

function waitingTask(
  run: RunRecord,
  task: string,
): TaskRunRecord & { approval: NonNullable<TaskRunRecord['approval']> } {
  const found = run.tasks.find((t) => t.name === task);
  const gates = approvalTasks(run);
  const list = gates.length ? `its approval tasks: ${gates.join(', ')}` : 'it has no approval task';
  if (!found) throw new RequestRejected(404, `run ${run.id} has no task "${task}" (${list})`);
  if (!found.approval) throw new RequestRejected(409, `task "${task}" of run ${run.id} is not an approval (${list})`);
  const a = found.approval;
  if (a.decision)
    throw new RequestRejected(
      409,
      `task "${task}" of run ${run.id} is decided already: ${a.decision} by ${a.by} at ${a.at}`,
    );
  if (run.status !== 'Running')
    throw new RequestRejected(409, `run ${run.id} has ended (${run.status}): nothing waits for a decision`);
  if (found.status !== 'Running')
    throw new RequestRejected(
      409,
      `task "${task}" of run ${run.id} is ${found.status}, not waiting: ${found.status === 'Pending' ? 'the tasks it needs have not finished' : 'it has ended'}`,
    );
  return found as ReturnType<typeof waitingTask>;
}

/** The record with the decision on `task`, or a RequestRejected (404, 409, 403). */
export function decide(
  run: RunRecord,
  task: string,
  who: PersonClaims,
  req: ApprovalRequest,
  nowMs: number,
): RunRecord {
  const found = waitingTask(run, task);
  const a = found.approval;
  if (a.deadline && Date.parse(a.deadline) <= nowMs)
    throw new RequestRejected(
      409,
      `the approval of task "${task}" timed out at ${a.deadline} (onTimeout: ${a.onTimeout})`,
    );
  const identities = [who.name, ...who.groups];
  if (a.approvers.length && !a.approvers.some((x) => identities.includes(x)))
    throw new RequestRejected(
      403,
      `${who.name}${who.groups.length ? ` (groups: ${who.groups.join(', ')})` : ''} may not decide task "${task}": its approvers are ${a.approvers.join(', ')}`,
    );
  const decided = {
    ...a,
    decision: req.decision === 'approve' ? ('approved' as const) : ('rejected' as const),
    by: who.name,
    at: new Date(nowMs).toISOString(),
    ...(req.comment ? { comment: req.comment } : {}),
  };
  return { ...run, tasks: run.tasks.map((t) => (t === found ? { ...t, approval: decided } : t)) };
}

/**
 * A record the engine sends may have been made before it learnt of a decision the collector holds:
 * the decision stays (the engine takes it up on its next record).
 */
export function keepDecisions(stored: RunRecord, incoming: RunRecord): RunRecord {
  const decided = new Map(stored.tasks.filter((t) => t.approval?.decision).map((t) => [t.taskRun, t.approval!]));
  if (decided.size === 0) return incoming;
  return {
    ...incoming,
    tasks: incoming.tasks.map((t) =>
      t.approval && !t.approval.decision && decided.has(t.taskRun) ? { ...t, approval: decided.get(t.taskRun) } : t,
    ),
  };
}

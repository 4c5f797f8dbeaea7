// The decision on an approval gate, pure: from the stored run record, who asks and what they ask
// to the record with the decision in it, or the 4xx that says why not.
import {
  MAX_APPROVAL_COMMENT,
  type ApprovalRequest,
  type RunRecord,
  type TaskRunRecord,
} from '../../contract/index.js';
import { RequestRejected } from '../errors.js';
import { findTask, gatePaths, replaceTask } from './gate-path.js';
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

type Gate = TaskRunRecord & { approval: NonNullable<TaskRunRecord['approval']> };

/** The gate `path` names (`gate`, or `deploy/gate` in the pipeline task deploy called), waiting. */
function waitingTask(run: RunRecord, path: string): Gate {
  const found = findTask(run, path);
  const gates = gatePaths(run);
  const list = gates.length ? `its approval tasks: ${gates.join(', ')}` : 'it has no approval task';
  if (!found) throw new RequestRejected(404, `run ${run.id} has no task "${path}" (${list})`);
  const { task, runs } = found;
  if (!task.approval) throw new RequestRejected(409, `task "${path}" of run ${run.id} is not an approval (${list})`);
  const a = task.approval;
  if (a.decision)
    throw new RequestRejected(
      409,
      `task "${path}" of run ${run.id} is decided already: ${a.decision} by ${a.by} at ${a.at}`,
    );
  if (run.status !== 'Running')
    throw new RequestRejected(409, `run ${run.id} has ended (${run.status}): nothing waits for a decision`);
  const ended = runs.find((r) => r.status !== 'Running');
  if (ended)
    throw new RequestRejected(
      409,
      `the pipeline run ${ended.id} that holds task "${path}" has ended (${ended.status}): nothing waits for a decision`,
    );
  if (task.status !== 'Running')
    throw new RequestRejected(
      409,
      `task "${path}" of run ${run.id} is ${task.status}, not waiting: ${task.status === 'Pending' ? 'the tasks it needs have not finished' : 'it has ended'}`,
    );
  return task as Gate;
}

/** The record with the decision on `task`, or a RequestRejected (404, 409, 403). */
export function decide(
  run: RunRecord,
  task: string,
  who: PersonClaims,
  req: ApprovalRequest,
  nowMs: number,
): RunRecord {
  const a = waitingTask(run, task).approval;
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
  return replaceTask(run, task, (t) => ({ ...t, approval: decided }));
}

/**
 * A record the engine sends may have been made before it learnt of a decision the collector holds:
 * the decision stays (the engine takes it up on its next record), in the pipelines it called too.
 */
export function keepDecisions(stored: RunRecord, incoming: RunRecord): RunRecord {
  const before = new Map(stored.tasks.map((t) => [t.taskRun, t]));
  let changed = false;
  const tasks = incoming.tasks.map((t) => {
    const s = before.get(t.taskRun);
    if (!s) return t;
    let kept = t;
    if (t.approval && !t.approval.decision && s.approval?.decision) kept = { ...kept, approval: s.approval };
    if (t.child && s.child) {
      const child = keepDecisions(s.child, t.child);
      if (child !== t.child) kept = { ...kept, child };
    }
    if (kept !== t) changed = true;
    return kept;
  });
  return changed ? { ...incoming, tasks } : incoming;
}

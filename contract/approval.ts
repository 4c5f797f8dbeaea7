// An approval gate: a task that runs nothing and waits for a person's decision, made through the
// collector (POST /v1/runs/{run}/approvals/{task}). The spec is what the pipeline file says; the
// record is what the run record keeps on the task, waiting and then decided.

export const APPROVAL_ON_TIMEOUT = ['fail', 'approve'] as const;
export type ApprovalOnTimeout = (typeof APPROVAL_ON_TIMEOUT)[number];

/**
 * A gate of a pipeline that a `pipeline:` task called is named, within the root run, by the task
 * names down to it joined by this (`deploy/gate`): no task name has it (they are DNS labels).
 */
export const APPROVAL_PATH_SEPARATOR = '/';

/** Tekton's form: a custom task reference `taskRef: {apiVersion, kind}` naming Kiln's Approval. */
export const APPROVAL_REF = { apiVersion: 'kiln.dev/v1alpha1', kind: 'Approval' } as const;

export interface ApprovalSpec {
  message: string;
  /** Token names or groups that may decide; empty: any named token. */
  approvers: string[];
  /** How long it waits; absent: until the pipeline's own timeout. */
  timeoutMs?: number;
  /** At the timeout: fail the task (TimedOut), or go on as approved. */
  onTimeout: ApprovalOnTimeout;
}

/** What a decision answers: approved lets the run go on, rejected fails the task. */
export type ApprovalDecision = 'approved' | 'rejected' | 'timedOut';

export interface ApprovalRecord {
  message: string;
  approvers: string[];
  onTimeout: ApprovalOnTimeout;
  /** When the wait ends (ISO); absent: no timeout of its own. */
  deadline?: string;
  decision?: ApprovalDecision;
  /** The named token that decided (`timeout` when the timeout did). */
  by?: string;
  /** When it was decided (ISO). */
  at?: string;
  comment?: string;
}

/** The body of POST /v1/runs/{run}/approvals/{task}. */
export interface ApprovalRequest {
  decision: 'approve' | 'reject';
  comment?: string;
}

/** Longest comment a decision keeps (it goes into every later copy of the run record). */
export const MAX_APPROVAL_COMMENT = 4096;

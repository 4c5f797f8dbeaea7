// Approval gates in the driver: a task run that holds no process or Pod. Started, it reports
// Running with its deadline and waits on the decision source (the collector, which answers as soon
// as someone decides); it settles on the decision, on its timeout (onTimeout) or when cancelled.
import { APPROVAL_PATH_SEPARATOR, type ApprovalRecord } from '../contract/index.js';
import type { Clock } from './clock.js';
import type { CancelReason, ObservedTaskRun, TaskRunPlan } from './runtime.js';

/** A decision someone made, as the collector keeps it. */
export interface ApprovalVerdict {
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  comment?: string;
}

/**
 * Where decisions come from: resolves once the task's approval is decided; rejects when `signal`
 * aborts. `run` is the root run (the one the collector stores) and `task` the gate's path in it:
 * its name, or for a gate of a called pipeline the task names down to it (`deploy/gate`).
 */
export interface ApprovalSource {
  wait(run: string, task: string, signal: AbortSignal): Promise<ApprovalVerdict>;
}

/** Which run this runner's gates belong to, as the collector knows them. */
export interface GateScope {
  rootRun: string;
  /** The pipeline tasks from the root down to this run (empty for the root). */
  taskPath: readonly string[];
}

interface Waiting {
  plan: TaskRunPlan;
  record: ApprovalRecord;
  startedAt: number;
  abort: AbortController;
  cancelTimer?: () => void;
}

/** An approval's observed state: Running while it waits, then what its decision makes of it. */
export function approvalUpdate(
  w: { plan: TaskRunPlan; record: ApprovalRecord; startedAt: number },
  now: number,
  outcome?: ApprovalVerdict | { timedOut: true } | { cancelled: CancelReason } | { error: string },
): ObservedTaskRun {
  const base = { name: w.plan.name, results: {}, steps: [], startedAt: w.startedAt };
  if (!outcome) return { ...base, status: 'Running', approval: w.record };
  const at = new Date(now).toISOString();
  if ('cancelled' in outcome)
    return { ...base, status: 'Cancelled', reason: outcome.cancelled, finishedAt: now, approval: w.record };
  if ('error' in outcome)
    return {
      ...base,
      status: 'Failed',
      reason: 'ApprovalUnavailable',
      message: outcome.error,
      finishedAt: now,
      approval: w.record,
    };
  if ('timedOut' in outcome) {
    const approve = w.record.onTimeout === 'approve';
    return {
      ...base,
      status: approve ? 'Succeeded' : 'TimedOut',
      reason: 'ApprovalTimedOut',
      finishedAt: now,
      approval: { ...w.record, decision: approve ? 'approved' : 'timedOut', by: 'timeout', at },
    };
  }
  return {
    ...base,
    status: outcome.decision === 'approved' ? 'Succeeded' : 'Failed',
    reason: outcome.decision === 'approved' ? 'Approved' : 'Rejected',
    finishedAt: now,
    approval: { ...w.record, ...outcome },
  };
}

/** The driver's runner of approval task runs; `report` feeds what it observes to the engine. */
export class ApprovalRunner {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly clock: Clock,
    private readonly report: (update: ObservedTaskRun) => void,
    private readonly scope: GateScope,
    private readonly source?: ApprovalSource,
  ) {}

  has(taskRun: string): boolean {
    return this.waiting.has(taskRun);
  }

  start(plan: TaskRunPlan): void {
    const spec = plan.approval!;
    const now = this.clock.now();
    const record: ApprovalRecord = {
      message: spec.message,
      approvers: spec.approvers,
      onTimeout: spec.onTimeout,
      ...(spec.timeoutMs !== undefined ? { deadline: new Date(now + spec.timeoutMs).toISOString() } : {}),
    };
    const w: Waiting = { plan, record, startedAt: now, abort: new AbortController() };
    this.waiting.set(plan.name, w);
    this.report(approvalUpdate(w, now));
    if (!this.source) return this.settle(w, { error: 'this run has no collector to decide approvals through' });
    if (spec.timeoutMs !== undefined)
      w.cancelTimer = this.clock.setTimer(now + spec.timeoutMs, () => this.settle(w, { timedOut: true }));
    const path = [...this.scope.taskPath, plan.task].join(APPROVAL_PATH_SEPARATOR);
    this.source.wait(this.scope.rootRun, path, w.abort.signal).then(
      (verdict) => this.settle(w, verdict),
      (err) => {
        if (!w.abort.signal.aborted) this.settle(w, { error: err instanceof Error ? err.message : String(err) });
      },
    );
  }

  cancel(taskRun: string, reason: CancelReason): void {
    const w = this.waiting.get(taskRun);
    if (w) this.settle(w, { cancelled: reason });
  }

  /** Stops every wait (the run ended). */
  close(): void {
    for (const w of this.waiting.values()) this.stop(w);
  }

  private settle(w: Waiting, outcome: Parameters<typeof approvalUpdate>[2]): void {
    if (this.waiting.get(w.plan.name) !== w) return; // settled already: the first outcome wins
    this.stop(w);
    this.report(approvalUpdate(w, this.clock.now(), outcome));
  }

  private stop(w: Waiting): void {
    this.waiting.delete(w.plan.name);
    w.cancelTimer?.();
    w.abort.abort();
  }
}

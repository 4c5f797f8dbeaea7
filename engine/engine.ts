// The run state machine. Fed events (a runtime observation, a tick of time, a cancel request),
// it updates its state and answers actions (start, cancel, skip, retry, finish). It does no I/O
// and reads no clock: `now` comes with each call, and nextDeadline() tells the driver when to
// tick it next. The same engine drives every runtime.
import type { ObservedTaskRun } from './runtime.js';
import { withStepLogs } from './step-logs.js';
import {
  invalidStepOnError,
  invalidStepWhen,
  makeResolver,
  MAX_MATRIX_COMBINATIONS,
  type TaskRunStatus,
} from '../syntax/index.js';
import {
  FAILURE_IGNORED,
  failureIgnored,
  INVALID_RESULT_REFERENCE,
  runStatus,
  TASK_RUN_VALIDATION_FAILED,
} from './statuses.js';
import { initialState, unitsFor } from './init.js';
import {
  buildPlan,
  invalidResults,
  matrixOf,
  missingResults,
  pipelineWorkspaceBound,
  taskVariables,
  whenVerdict,
} from './plan.js';
import { taskRunName } from './names.js';
import { taskRunSpecOf } from './task-run-spec.js';
import { formatDuration } from '../contract/index.js';
import { unmetNeed } from './branches.js';
import { loopUntil } from './loop.js';
import { childRun } from './child-run.js';
import { endRun, retryDelayMs, retryWanted } from './attempts.js';
import type { EngineAction, EngineEvent, EngineInput, EngineState, SkipReason, Stopping, Unit } from './types.js';

const TERMINAL: ReadonlySet<TaskRunStatus> = new Set(['Succeeded', 'Failed', 'Skipped', 'TimedOut', 'Cancelled']);
export const isTerminal = (status: TaskRunStatus) => TERMINAL.has(status);
const failedStatus = (status: TaskRunStatus) => status === 'Failed' || status === 'TimedOut';

export class Engine {
  readonly state: EngineState;

  constructor(input: EngineInput) {
    this.state = initialState(input);
    for (const unit of this.state.units) if (!unit.finally && this.parentsDone(unit)) this.state.ready.add(unit);
  }

  /** Applies one event at time `now` and answers what to do, in order. */
  handle(event: EngineEvent, now: number): EngineAction[] {
    const actions: EngineAction[] = [];
    if (this.state.finished) return actions;
    switch (event.type) {
      case 'observed':
        this.observe(event.update, now, actions);
        break;
      case 'startFailed':
        this.observe(
          {
            name: event.taskRun,
            status: 'Failed',
            reason: 'StartFailed',
            message: event.message,
            results: {},
            steps: [],
            finishedAt: now,
          },
          now,
          actions,
        );
        break;
      case 'cancel':
        this.stop('cancelled', 'Cancelled', actions);
        break;
      case 'tick':
        break;
    }
    this.checkTimeouts(now, actions);
    this.startDue(now, actions);
    this.schedule(now, actions);
    return actions;
  }

  /** The earliest time at which the engine wants a tick (a task or the pipeline timing out). */
  nextDeadline(): number | undefined {
    const s = this.state;
    if (s.finished) return undefined;
    const times: number[] = [];
    const pipelineDeadline = this.pipelineDeadline();
    if (pipelineDeadline !== undefined && !s.pipelineTimedOut) times.push(pipelineDeadline);
    for (const u of s.running) {
      if (u.deadline !== undefined && !u.cancelling) times.push(u.deadline);
      if (u.waitingUntil !== undefined) times.push(u.waitingUntil);
    }
    return times.length ? Math.min(...times) : undefined;
  }

  /** When the whole run times out: the run's own timeout, else the pipeline's. */
  private pipelineDeadline(): number | undefined {
    const { input } = this.state;
    const timeout = input.timeoutMs ?? input.pipeline.timeoutMs;
    return timeout === undefined ? undefined : input.startedAt + timeout;
  }

  private unitByTaskRun(name: string): Unit | undefined {
    return this.state.byTaskRun.get(name);
  }

  private observe(update: ObservedTaskRun, now: number, actions: EngineAction[]): void {
    const unit = this.unitByTaskRun(update.name);
    if (!unit) return;
    if (this.state.logsPending.delete(update.name)) {
      // The logs of a task run that has ended; of an older attempt, the record keeps no steps.
      if (unit.taskRun === update.name) unit.steps = withStepLogs(unit.steps, update.steps);
      return;
    }
    if (update.logsPending && isTerminal(update.status)) this.state.logsPending.add(update.name);
    // An update for an older attempt, or for a unit already settled, changes nothing.
    if (unit.taskRun !== update.name || isTerminal(unit.status)) return;
    unit.steps = update.steps;
    if (update.approval) unit.approval = update.approval;
    if (update.startedAt !== undefined) unit.startedAt ??= update.startedAt;
    if (!isTerminal(update.status)) return;

    // A runtime may report a stop we asked for as Cancelled; the engine knows why it asked.
    const status: TaskRunStatus = unit.cancelling ?? update.status;
    const reason = update.reason ?? (unit.cancelling ? unit.cancelling : undefined);
    const finishedAt = update.finishedAt ?? now;
    unit.message = update.message ?? (unit.cancelling === 'TimedOut' ? this.timedOutMessage(unit) : undefined);
    endRun(unit, status, reason, finishedAt);
    if (retryWanted(unit.task, status, unit.attempt) && this.mayRetry()) {
      unit.attempt += 1;
      this.runAgain(unit, now + retryDelayMs(unit.task, unit.attempt), now, actions);
      return;
    }
    if (status === 'Succeeded' && unit.task.loop) return this.loopOn(unit, update.results, finishedAt, now, actions);
    this.settle(unit, status, reason, update.results, finishedAt, actions);
  }

  /** After a loop's iteration succeeded: done when `until` holds, else the next iteration after the delay. */
  private loopOn(
    unit: Unit,
    results: Record<string, string>,
    finishedAt: number,
    now: number,
    actions: EngineAction[],
  ): void {
    const loop = unit.task.loop!;
    const until = loopUntil(this.state, unit, results);
    if ('error' in until)
      return this.settle(unit, 'Failed', `LoopConditionError: ${until.error}`, results, finishedAt, actions);
    if (until.value) return this.settle(unit, 'Succeeded', undefined, results, finishedAt, actions);
    if (unit.iteration + 1 >= loop.max) {
      const reason = `LoopExhausted: until did not hold after ${loop.max} iterations`;
      return this.settle(unit, 'Failed', reason, results, finishedAt, actions);
    }
    unit.iteration += 1;
    unit.attempt = 0;
    this.runAgain(unit, now + (loop.delayMs ?? 0), now, actions);
  }

  /** Starts the unit's next task run now, or once `at` comes (a backoff or a loop's delay). */
  private runAgain(unit: Unit, at: number, now: number, actions: EngineAction[]): void {
    unit.cancelling = undefined;
    unit.timedOutBy = undefined;
    unit.steps = [];
    unit.deadline = undefined;
    if (at <= now) this.startUnit(unit, now, actions, 'retry');
    else unit.waitingUntil = at;
  }

  /** Starts the waiting units whose time has come. */
  private startDue(now: number, actions: EngineAction[]): void {
    for (const u of [...this.state.running]) {
      if (u.waitingUntil === undefined || u.waitingUntil > now) continue;
      u.waitingUntil = undefined;
      this.startUnit(u, now, actions, 'retry');
    }
  }

  private settle(
    unit: Unit,
    status: TaskRunStatus,
    reason: string | undefined,
    results: Record<string, string>,
    finishedAt: number,
    actions: EngineAction[],
  ): void {
    this.setStatus(unit, status);
    unit.reason = reason;
    unit.results = results;
    unit.finishedAt = finishedAt;
    if (failedStatus(status) && failureIgnored(unit)) unit.reason = FAILURE_IGNORED;
    else if (failedStatus(status) && !unit.finally && !this.state.caught.has(unit.task.name))
      this.stop('failed', undefined, actions);
  }

  /** Retries stop once the run is cancelled or out of time; a failing run still retries. */
  private mayRetry(): boolean {
    return this.state.stopping !== 'cancelled' && !this.state.pipelineTimedOut;
  }

  private stop(why: Stopping, cancelRunning: 'Cancelled' | 'TimedOut' | undefined, actions: EngineAction[]): void {
    const s = this.state;
    // Cancellation and timeouts outrank a failure; a failure does not outrank them.
    if (!s.stopping || (s.stopping === 'failed' && why !== 'failed')) s.stopping = why;
    if (!cancelRunning) return;
    for (const u of [...s.running]) {
      if (u.waitingUntil !== undefined) {
        // Nothing runs while a unit waits to go again: it ends here.
        u.waitingUntil = undefined;
        this.settle(
          u,
          cancelRunning,
          `${cancelRunning} while waiting to run again`,
          {},
          u.history.at(-1)!.finishedAt,
          actions,
        );
      } else if (u.taskRun && !u.cancelling) {
        u.cancelling = cancelRunning;
        if (cancelRunning === 'TimedOut') u.timedOutBy = 'pipeline';
        actions.push({ type: 'cancel', taskRun: u.taskRun, reason: cancelRunning });
      }
    }
  }

  private checkTimeouts(now: number, actions: EngineAction[]): void {
    const s = this.state;
    const pipelineDeadline = this.pipelineDeadline();
    if (pipelineDeadline !== undefined && !s.pipelineTimedOut && now >= pipelineDeadline) {
      s.pipelineTimedOut = true;
      this.stop('timedOut', 'TimedOut', actions);
    }
    for (const u of s.running) {
      if (u.taskRun && !u.cancelling && u.deadline !== undefined && now >= u.deadline) {
        u.cancelling = 'TimedOut';
        u.timedOutBy = 'task';
        actions.push({ type: 'cancel', taskRun: u.taskRun, reason: 'TimedOut' });
      }
    }
  }

  private hasSlot(): boolean {
    const limit = this.state.input.concurrency;
    return limit === undefined || this.state.running.size < limit;
  }

  /** Every status change goes through here, so the pending and running sets stay true. */
  private setStatus(unit: Unit, status: Unit['status']): void {
    const s = this.state;
    unit.status = status;
    s.pending.delete(unit);
    s.ready.delete(unit);
    s.running.delete(unit);
    s.failed.delete(unit);
    if (status === 'Running') s.running.add(unit);
    if (!unit.finally && (status === 'Failed' || status === 'TimedOut')) s.failed.add(unit);
    if (isTerminal(status)) this.releaseChildren(unit);
  }

  /** When the last unit of a task settles, the tasks waiting on it may become ready. */
  private releaseChildren(unit: Unit): void {
    const s = this.state;
    if (!(s.unitsByTask.get(unit.task.name) ?? []).every((u) => isTerminal(u.status))) return;
    for (const child of s.children.get(unit.task.name) ?? []) {
      for (const u of s.unitsByTask.get(child) ?? []) if (s.pending.has(u) && this.parentsDone(u)) s.ready.add(u);
    }
  }

  private schedule(now: number, actions: EngineAction[]): void {
    const s = this.state;
    if (s.stopping) {
      for (const unit of [...s.pending]) if (!unit.finally) this.skip(unit, stopReason(s.stopping), now, actions);
    }
    // Only ready units can start: a run of thousands of tasks must not rescan them all each time.
    // A skip settles a task at once and may make others ready: go again until nothing moves.
    for (let moved = true; moved;) {
      moved = false;
      for (const unit of [...s.ready]) {
        if (unit.status !== 'Pending') continue;
        this.tryStart(unit, now, actions);
        if (unit.status !== 'Pending' || !s.pending.has(unit)) moved = true; // started, settled or expanded
      }
    }
    const mainLeft = (set: Set<Unit>) => [...set].some((u) => !u.finally);
    if (mainLeft(s.pending) || mainLeft(s.running)) return;

    for (const unit of [...s.pending]) {
      if (unit.status !== 'Pending') continue;
      if (s.stopping === 'cancelled') this.skip(unit, 'PipelineCancelled', now, actions);
      else this.tryStart(unit, now, actions);
    }
    if (s.pending.size === 0 && s.running.size === 0 && s.logsPending.size === 0) {
      const { status, reason } = runStatus(s);
      s.finished = { status, reason, at: now };
      actions.push({ type: 'finish', status, reason });
    }
  }

  private parentsDone(unit: Unit): boolean {
    const parents = this.state.parents.get(unit.task.name) ?? [];
    return parents.every((p) => (this.state.unitsByTask.get(p) ?? []).every((u) => isTerminal(u.status)));
  }

  /** Skips the unit when its results or `when` say so; else starts it when a slot is free. */
  private tryStart(unit: Unit, now: number, actions: EngineAction[]): void {
    if (!unit.finally && unmetNeed(this.state, unit) !== undefined) return this.skip(unit, 'NeedsNotMet', now, actions);
    if (unit.matrixPending) return this.expandMatrix(unit, now, actions);
    if (unit.matrixEmpty) return this.skip(unit, 'MatrixEmpty', now, actions);
    if (this.failOnInvalidResults(unit, now, actions)) return;
    if (missingResults(this.state, unit).length > 0) return this.skip(unit, 'ResultsMissing', now, actions);
    const vars = taskVariables(this.state, unit);
    // A `when` is the pipeline task's: its `$(workspaces.w.bound)` names a pipeline workspace.
    const verdict = whenVerdict(unit, { ...vars, workspaceBound: pipelineWorkspaceBound(this.state) });
    if ('error' in verdict) return this.fail(unit, `WhenExpressionError: ${verdict.error}`, now, actions);
    if (!verdict.pass) return this.skip(unit, 'WhenExpressionsFalse', now, actions);
    const badOnError = invalidStepOnError(unit.task.steps, makeResolver(vars));
    if (badOnError) return this.fail(unit, `${TASK_RUN_VALIDATION_FAILED}: ${badOnError}`, now, actions);
    const badWhen = invalidStepWhen(unit.task.steps, makeResolver(vars));
    if (badWhen) return this.fail(unit, `WhenExpressionError: ${badWhen}`, now, actions);
    if (!this.hasSlot()) return;
    this.startUnit(unit, now, actions, 'start');
  }

  /** Replaces a pending matrix unit with one unit per combination of its substituted values. */
  private expandMatrix(unit: Unit, now: number, actions: EngineAction[]): void {
    if (this.failOnInvalidResults(unit, now, actions)) return;
    if (missingResults(this.state, unit).length > 0) return this.skip(unit, 'ResultsMissing', now, actions);
    const combos = matrixOf(this.state, unit);
    if (combos && combos.length > MAX_MATRIX_COMBINATIONS)
      return this.fail(
        unit,
        `MatrixTooLarge: ${combos.length} combinations, at most ${MAX_MATRIX_COMBINATIONS}`,
        now,
        actions,
      );
    const expanded = unitsFor(unit.task, unit.finally, combos);
    const s = this.state;
    s.units.splice(s.units.indexOf(unit), 1, ...expanded);
    s.unitsByTask.set(unit.task.name, expanded);
    s.pending.delete(unit);
    s.ready.delete(unit);
    for (const u of expanded) {
      s.pending.add(u);
      if (!u.finally) s.ready.add(u);
    }
    for (const u of expanded) this.tryStart(u, now, actions);
  }

  /** Tekton's TaskRun message when its timeout stopped it (or the pipeline's ran out). */
  private timedOutMessage(unit: Unit): string {
    const timeoutMs = taskRunSpecOf(this.state.input, unit.task.name)?.timeoutMs ?? unit.task.timeoutMs;
    return unit.timedOutBy === 'task' && timeoutMs !== undefined
      ? `TaskRun "${unit.taskRun}" failed to finish within ${formatDuration(timeoutMs)}`
      : `TaskRun "${unit.taskRun}" was stopped: the pipeline run's timeout expired`;
  }

  private startUnit(unit: Unit, now: number, actions: EngineAction[], why: 'start' | 'retry'): void {
    const s = this.state;
    unit.taskRun = taskRunName(s.input.runName, unit.task.name, unit.matrixIndex, unit.attempt, unit.iteration);
    s.byTaskRun.set(unit.taskRun, unit);
    this.setStatus(unit, 'Running');
    unit.startedAt ??= now;
    unit.runStartedAt = now;
    const timeoutMs = taskRunSpecOf(s.input, unit.task.name)?.timeoutMs ?? unit.task.timeoutMs;
    unit.deadline = timeoutMs !== undefined ? now + timeoutMs : undefined;
    if (why === 'retry' && unit.attempt > 0)
      actions.push({
        type: 'retry',
        task: unit.task.name,
        key: unit.key,
        attempt: unit.attempt,
        taskRun: unit.taskRun,
      });
    if (!unit.task.pipeline) return void actions.push({ type: 'start', plan: buildPlan(s, unit) });
    const run = childRun(s, unit);
    if ('error' in run) return this.fail(unit, run.error, now, actions);
    actions.push({ type: 'startPipeline', task: unit.task.name, run });
  }

  /** Fails a unit that never started (its matrix or its condition cannot be used). */
  private fail(unit: Unit, reason: string, now: number, actions: EngineAction[]): void {
    this.settle(unit, 'Failed', reason, {}, now, actions);
  }

  /**
   * A task reading a result its producer succeeded without writing fails, and the run with it, as
   * Tekton's InvalidTaskResultReference (a finally task is skipped instead: the run has ended).
   */
  private failOnInvalidResults(unit: Unit, now: number, actions: EngineAction[]): boolean {
    const invalid = unit.finally ? [] : invalidResults(this.state, unit);
    if (invalid.length === 0) return false;
    this.setStatus(unit, 'Failed');
    const missing = invalid.map((r) => `"${r.result}" of task "${r.task}"`).join(', ');
    unit.reason = INVALID_RESULT_REFERENCE;
    unit.message = `could not find result ${missing}`;
    unit.finishedAt = now;
    this.stop('failed', undefined, actions);
    return true;
  }

  private skip(unit: Unit, reason: SkipReason, now: number, actions: EngineAction[]): void {
    this.setStatus(unit, 'Skipped');
    unit.reason = reason;
    unit.finishedAt = now;
    actions.push({ type: 'skip', task: unit.task.name, key: unit.key, reason });
  }
}

function stopReason(stopping: Stopping): SkipReason {
  return stopping === 'failed' ? 'PipelineFailing' : stopping === 'timedOut' ? 'PipelineTimedOut' : 'PipelineCancelled';
}

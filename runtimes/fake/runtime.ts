// An in-memory Runtime for engine tests: each task run's outcome, results and duration (in fake
// time) come from a script the test gives. It records what it was asked, for assertions.
import type { StoredResultRef } from '../../contract/index.js';
import type { CancelReason, ObservedStep, ObservedTaskRun, Runtime, TaskRunPlan } from '../../engine/index.js';
import type { FakeClock } from './clock.js';

export interface FakeOutcome {
  status?: 'Succeeded' | 'Failed';
  results?: Record<string, string>;
  /** Results kept at the collector, as a step too large for its termination message leaves them. */
  stored?: StoredResultRef[];
  /** Fake milliseconds from start to end; default 1000. */
  durationMs?: number;
  /** Never ends on its own (only a cancel ends it). */
  hang?: boolean;
  /** Fake milliseconds a cancel takes to end it (a Pod's grace period); default 0. */
  stopMs?: number;
  /** start() rejects with this message. */
  startError?: string;
  /**
   * Ends reported as the host runtime reports them: with its logs pending, then at once again with
   * each step's logsComplete (and no stored results: they came with the first report).
   */
  logsLater?: boolean;
}

export type FakeScript = (plan: TaskRunPlan) => FakeOutcome;

export interface FakeStart {
  name: string;
  task: string;
  attempt: number;
  at: number;
  plan: TaskRunPlan;
}

export class FakeRuntime implements Runtime {
  readonly kind = 'fake' as const;
  readonly starts: FakeStart[] = [];
  readonly cancels: { name: string; reason: CancelReason; at: number }[] = [];
  readonly cleaned: string[] = [];
  /** The most task runs running at once. */
  maxRunning = 0;
  private listener: (u: ObservedTaskRun) => void = () => {};
  private live = new Map<
    string,
    { plan: TaskRunPlan; startedAt: number; stop: () => void; stopMs: number; stopping?: boolean }
  >();

  constructor(
    private clock: FakeClock,
    private script: FakeScript = () => ({}),
  ) {}

  onUpdate(listener: (u: ObservedTaskRun) => void): void {
    this.listener = listener;
  }

  async start(plan: TaskRunPlan): Promise<void> {
    if (this.live.has(plan.name) || this.starts.some((s) => s.name === plan.name)) return;
    const outcome = this.script(plan);
    if (outcome.startError) throw new Error(outcome.startError);
    const startedAt = this.clock.now();
    this.starts.push({ name: plan.name, task: plan.task, attempt: plan.attempt, at: startedAt, plan });
    const stop = outcome.hang
      ? () => {}
      : this.clock.setTimer(startedAt + (outcome.durationMs ?? 1000), () =>
          this.end(plan.name, outcome.status ?? 'Succeeded', outcome.results ?? {}, outcome.stored, outcome.logsLater),
        );
    this.live.set(plan.name, { plan, startedAt, stop, stopMs: outcome.stopMs ?? 0 });
    this.maxRunning = Math.max(this.maxRunning, this.live.size);
    this.listener({ name: plan.name, status: 'Running', results: {}, steps: this.steps(plan, 'Running'), startedAt });
  }

  async cancel(name: string, reason: CancelReason): Promise<void> {
    const run = this.live.get(name);
    if (!run || run.stopping) return;
    run.stopping = true;
    run.stop();
    this.cancels.push({ name, reason, at: this.clock.now() });
    if (run.stopMs > 0) this.clock.setTimer(this.clock.now() + run.stopMs, () => this.end(name, reason, {}));
    else this.end(name, reason, {});
  }

  async cleanup(pipelineRun: string): Promise<void> {
    this.cleaned.push(pipelineRun);
  }

  private end(
    name: string,
    status: 'Succeeded' | 'Failed' | CancelReason,
    results: Record<string, string>,
    stored?: StoredResultRef[],
    logsLater?: boolean,
  ): void {
    const run = this.live.get(name)!;
    this.live.delete(name);
    const steps = this.steps(run.plan, status);
    const ended = { name, status, results, steps, startedAt: run.startedAt, finishedAt: this.clock.now() };
    this.listener({ ...ended, ...(stored && { stored }), ...(logsLater && { logsPending: true }) });
    if (logsLater) this.listener({ ...ended, steps: steps.map((s) => ({ ...s, logsComplete: true })) });
  }

  /** Running: the first step runs. Ended: every step but the last succeeded; the last carries the end status. */
  private steps(plan: TaskRunPlan, last: ObservedStep['status']): ObservedStep[] {
    return plan.steps.map((s, i) => {
      const status =
        last === 'Running' ? (i === 0 ? 'Running' : 'Pending') : i === plan.steps.length - 1 ? last : 'Succeeded';
      const exitCode = status === 'Succeeded' ? 0 : status === 'Failed' ? 1 : null;
      return { name: s.name, status, exitCode };
    });
  }
}

// Connects the engine to a runtime: runtime updates and timer ticks go in, the engine's actions
// come out as runtime calls. Keeps the run record current and tells the reporter. The only part
// of the engine folder that waits on anything; it knows nothing of processes or pods.
import type { RunRecord, RunReporter, StoredResultRef } from '../contract/index.js';
import type { ObservedTaskRun, Runtime } from './runtime.js';
import { ApprovalRunner, type ApprovalSource } from './approvals.js';
import { systemClock, type Clock } from './clock.js';
import { Engine, isTerminal } from './engine.js';
import { runRecord } from './record.js';
import { noopReporter } from './reporter.js';
import { ReportQueue } from './report-queue.js';
import type { ChildRun, EngineAction, EngineEvent, EngineInput } from './types.js';
import { childOutcome, SharedRuntime, withChildren } from './nested.js';

export interface RunOptions {
  input: Omit<EngineInput, 'startedAt'>;
  runtime: Runtime;
  reporter?: RunReporter;
  clock?: Clock;
  /** Aborting cancels the run: running task runs are stopped, nothing new starts. */
  signal?: AbortSignal;
  /** Every action the engine took, as it takes it (for progress displays and tests). */
  onAction?: (action: EngineAction, record: RunRecord) => void;
  /** The run record after every event (a step moved on, a task ended…), for live displays. */
  onChange?: (record: RunRecord) => void;
  /** A reporter or runtime call failed; the run goes on. */
  onWarning?: (message: string) => void;
  /**
   * When the run really started (unix ms), for a driver that resumes a run begun before it (a
   * restarted controller): the pipeline timeout counts from there, not from the resume.
   */
  startedAt?: number;
  /**
   * Reads a result a step stored at the collector (too large for its termination message),
   * checked against its size and digest. Absent: such a task run fails with ResultUnavailable.
   */
  fetchResult?: (taskRun: string, ref: StoredResultRef) => Promise<string>;
  /** For the run of a pipeline another one calls: the runtime the whole tree shares. */
  shared?: SharedRuntime;
  /** Where approval gates' decisions come from. Absent: an approval task fails with ApprovalUnavailable. */
  approvals?: ApprovalSource;
  /**
   * Runs a pipeline a task calls somewhere else (the controller: as a child PipelineRun) and
   * resolves with its final record; aborting `signal` cancels it, `onChange` takes its record as
   * it runs. Absent: the called pipeline runs here, on the shared runtime.
   */
  runChild?: (
    run: ChildRun,
    ctl: { task: string; signal: AbortSignal; onChange(r: RunRecord): void },
  ) => Promise<RunRecord>;
}

/** A finished task run with its stored results read in, or failed saying which one could not be. */
async function withStoredResults(update: ObservedTaskRun, fetch: RunOptions['fetchResult']): Promise<ObservedTaskRun> {
  const { stored, ...rest } = update;
  if (!stored?.length) return rest;
  const results = { ...rest.results };
  for (const ref of stored) {
    try {
      if (!fetch) throw new Error('this run reads no results from a collector');
      results[ref.name] = await fetch(update.name, ref);
    } catch (err) {
      return {
        ...rest,
        status: 'Failed',
        reason: 'ResultUnavailable',
        message: `result "${ref.name}" (${ref.size} bytes, stored at the collector) could not be read: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }
  return { ...rest, results };
}

export function runPipeline(opts: RunOptions): Promise<RunRecord> {
  const clock = opts.clock ?? systemClock;
  const reporter = opts.reporter ?? noopReporter;
  const warn = opts.onWarning ?? (() => {});
  const engine = new Engine({ ...opts.input, startedAt: opts.startedAt ?? clock.now() });
  // The runs of pipelines this one calls share its runtime; their records sit under their task runs.
  const shared = opts.shared ?? new SharedRuntime(opts.runtime);
  const runtime = shared.view(!opts.shared);
  const children = new Map<string, RunRecord>();
  const childStops = new Map<string, AbortController>();
  const record = () => withChildren(runRecord(engine.state, runtime.kind), children);

  const reports = new ReportQueue(reporter, warn);

  return new Promise<RunRecord>((resolve) => {
    const queue: EngineEvent[] = [];
    let busy = false;
    let cancelTimer: (() => void) | undefined;
    const scope = { rootRun: opts.input.rootRun ?? opts.input.runName, taskPath: opts.input.taskPath ?? [] };
    const approvals = new ApprovalRunner(clock, (update) => feed({ type: 'observed', update }), scope, opts.approvals);

    const feed = (event: EngineEvent) => {
      queue.push(event);
      if (busy) return; // a runtime may report from inside start(): handle it after this event
      busy = true;
      while (queue.length) {
        const event = queue.shift()!;
        const actions = engine.handle(event, clock.now());
        for (const action of actions) perform(action);
        // A waiting gate's message (substituted) and deadline are what people decide on, at the
        // collector: sent as the gate starts waiting, though the engine has nothing to do about it.
        const gate = event.type === 'observed' && event.update.approval !== undefined;
        if (actions.length || gate) reports.send('runUpdated', record);
        opts.onChange?.(record());
      }
      busy = false;
      armTimer();
    };

    const perform = (action: EngineAction) => {
      opts.onAction?.(action, record());
      if (action.type === 'start' && action.plan.approval) {
        approvals.start(action.plan);
      } else if (action.type === 'start') {
        runtime.start(action.plan).catch((err) => {
          const message = String(err?.message ?? err);
          warn(`cannot start ${action.plan.name}: ${message}`);
          feed({ type: 'startFailed', taskRun: action.plan.name, message });
        });
      } else if (action.type === 'startPipeline') {
        startChild(action.run, action.task);
      } else if (action.type === 'cancel' && childStops.has(action.taskRun)) {
        childStops.get(action.taskRun)!.abort();
      } else if (action.type === 'cancel' && approvals.has(action.taskRun)) {
        approvals.cancel(action.taskRun, action.reason);
      } else if (action.type === 'cancel') {
        runtime
          .cancel(action.taskRun, action.reason)
          .catch((err) => warn(`cancel ${action.taskRun}: ${err?.message ?? err}`));
      } else if (action.type === 'finish') {
        queueMicrotask(() => void finish());
      }
    };

    const startChild = (input: ChildRun, task: string) => {
      const stop = new AbortController();
      childStops.set(input.runName, stop);
      const changed = (r: RunRecord) => {
        children.set(input.runName, r);
        reports.send('runUpdated', record);
        opts.onChange?.(record());
      };
      const ran = opts.runChild
        ? opts.runChild(input, { task, signal: stop.signal, onChange: changed })
        : runPipeline({
            ...opts,
            input,
            shared,
            signal: stop.signal,
            reporter: undefined,
            onChange: changed,
            onAction: undefined,
            startedAt: clock.now(),
          });
      void ran.then((final) => {
        childStops.delete(input.runName);
        children.set(input.runName, final);
        feed({ type: 'observed', update: childOutcome(input.runName, final) });
      });
    };

    const armTimer = () => {
      cancelTimer?.();
      cancelTimer = undefined;
      const at = engine.nextDeadline();
      if (at !== undefined) cancelTimer = clock.setTimer(at, () => feed({ type: 'tick' }));
    };

    const onAbort = () => feed({ type: 'cancel' });

    const finish = async () => {
      cancelTimer?.();
      approvals.close();
      opts.signal?.removeEventListener('abort', onAbort);
      const final = record();
      // The record is final once every task run has ended: it is sent while the runtime frees what
      // the run held (on a busy disk, removing the task runs' directories takes a while).
      reports.send('runFinished', () => final);
      const cleaned = runtime.cleanup(opts.input.runName).catch((err: unknown) => {
        warn(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      });
      await Promise.all([cleaned, reports.idle()]);
      runtime.detach();
      resolve(final);
    };

    // A task run's updates that come while its stored results are being read wait behind them, in
    // order: its logs' report (a local run stores them in-process, in a few ms) must not reach the
    // engine before the ended report it follows, or the task would end without those results.
    const reading = new Map<string, Promise<void>>();
    runtime.onUpdate((update) => {
      const before = reading.get(update.name);
      const stored = !!update.stored?.length && isTerminal(update.status);
      if (!before && !stored) return feed({ type: 'observed', update });
      // The engine learns that the task run ended only once its results are all in hand.
      const next = (before ?? Promise.resolve())
        .then(() => (stored ? withStoredResults(update, opts.fetchResult) : update))
        .then((full) => {
          if (reading.get(update.name) === next) reading.delete(update.name);
          feed({ type: 'observed', update: full });
        });
      reading.set(update.name, next);
    });
    const first = record();
    reports.send('runStarted', () => first);
    if (opts.signal?.aborted) queue.push({ type: 'cancel' });
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    feed({ type: 'tick' });
  });
}

// The engine's state, the events it is fed and the actions it answers. Everything here is data:
// the engine does no I/O and reads no clock (time comes in with each event).
import type { PipelineRunRequest, PipelineRunStatus, ResultRef, TaskRunStatus, TaskSpec } from '../syntax/index.js';
import type { ApprovalRecord } from '../contract/index.js';
import type { CancelReason, ObservedStep, ObservedTaskRun, TaskRunPlan } from './runtime.js';

/** A run request (params resolved: every pipeline param has its value) and how to run it. */
export interface EngineInput extends Omit<PipelineRunRequest, 'name'> {
  /** The pipeline run's name (unique per run). */
  runName: string;
  /** At most this many task runs at once; absent = no limit. */
  concurrency?: number;
  /** Passed through to every plan. */
  collector?: {
    url: string;
    token: string;
    /** The run's id at the collector, when not its name (Kubernetes: bound to namespace, name and UID). */
    runId?: string;
  };
  /** The run's page in the collector's web UI, when one is configured: `$(context.pipelineRun.url)`. */
  runUrl?: string;
  startedAt: number;
  /** How deep this run is: 0 for the run a user started, n for a pipeline n calls down. */
  depth?: number;
  /** The deepest a pipeline may call pipelines (default 10). */
  maxDepth?: number;
  /** The run a user started, when this one is a pipeline it called: task runs ship and lay out under it. */
  rootRun?: string;
  /** The pipeline tasks from the root run down to this one (empty for the root): names its gates at the collector. */
  taskPath?: string[];
}

/** A pipeline task's run: the engine input of the called pipeline (startedAt comes from the driver). */
export type ChildRun = Omit<EngineInput, 'startedAt'>;

/**
 * Why a task did not run. Tekton's reasons (TEP-0103), spelled as identifiers:
 * - WhenExpressionsFalse: its `when` did not hold.
 * - ResultsMissing: it references a result that its producer did not give (skipped, failed, or
 *   never wrote it).
 * - PipelineFailing: another task failed, so no new task is started (finally still runs).
 * - PipelineTimedOut: the pipeline's timeout was reached before it could start.
 * - PipelineCancelled: the run was cancelled before it could start.
 * - MatrixEmpty: a matrix parameter has no values.
 * - NeedsNotMet: a predecessor it `needs` ended in a state its `on:` does not accept (Kiln's).
 */
export const SKIP_REASONS = [
  'WhenExpressionsFalse',
  'ResultsMissing',
  'PipelineFailing',
  'PipelineTimedOut',
  'PipelineCancelled',
  'MatrixEmpty',
  'NeedsNotMet',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One schedulable thing: a pipeline task, or one combination of a matrix task. */
export interface Unit {
  /** `task` or `task[i]` for matrix combinations. */
  key: string;
  task: TaskSpec;
  finally: boolean;
  matrixIndex?: number;
  matrix?: Record<string, string>;
  /** A matrix task one of whose parameters has no values: skipped with MatrixEmpty. */
  matrixEmpty?: boolean;
  /** A matrix task whose values hold references: expanded into its combinations once ready. */
  matrixPending?: boolean;
  status: TaskRunStatus;
  reason?: string;
  /** Why, in words, when the reason alone does not say (the record's message). */
  message?: string;
  /** The current attempt: 0 for the first try. */
  attempt: number;
  /** The current attempt's task run name; set once started. */
  taskRun?: string;
  startedAt?: number;
  finishedAt?: number;
  /** When the per-task timeout of the current attempt expires. */
  deadline?: number;
  /** Set once the engine asked the runtime to stop the current attempt. */
  cancelling?: CancelReason;
  /**
   * Whose timeout that stop was, decided when it was asked: the pipeline's deadline may pass while
   * the runtime is still stopping a task run its own timeout stopped.
   */
  timedOutBy?: 'task' | 'pipeline';
  results: Record<string, string>;
  steps: ObservedStep[];
  /** An approval gate's wait and decision, as last observed. */
  approval?: ApprovalRecord;
  /** The unit's ended task runs (retries, loop iterations), oldest first. */
  history: EndedRun[];
  /** When the current task run started. */
  runStartedAt?: number;
  /** Set while the unit waits (a retry's backoff, a loop's delay) before its next task run. */
  waitingUntil?: number;
  /** The loop iteration (0-based) of a task with `loop:`. */
  iteration: number;
}

/** One ended task run of a unit (times in unix ms), as the record lists it. */
export interface EndedRun {
  taskRun: string;
  attempt: number;
  iteration?: number;
  status: TaskRunStatus;
  reason?: string;
  startedAt?: number;
  finishedAt: number;
}

/** Why the run stopped scheduling new non-finally tasks. */
export type Stopping = 'failed' | 'timedOut' | 'cancelled';

export interface EngineState {
  input: EngineInput;
  units: Unit[];
  /** Pipeline task name → its units (one, or one per matrix combination). */
  unitsByTask: Map<string, Unit[]>;
  /** Pipeline task name → the tasks it must wait for (needs + result references). */
  parents: Map<string, string[]>;
  /** Pipeline task name → the task results it reads (found once: scanning strings is not cheap). */
  resultRefs: Map<string, ResultRef[]>;
  /** Units not yet started or settled, and units running: kept by Engine.setStatus. */
  pending: Set<Unit>;
  running: Set<Unit>;
  /** Non-finally units Failed or TimedOut (kept by Engine.setStatus): most runs have none, so
   * `$(context.pipelineRun.failedTasks)` need not scan every unit for every task started. */
  failed: Set<Unit>;
  /** Pending non-finally units whose parents have all settled: what may start. */
  ready: Set<Unit>;
  /** Pipeline task name → the tasks waiting for it. */
  children: Map<string, string[]>;
  /** Task run name (any attempt) → its unit. */
  byTaskRun: Map<string, Unit>;
  stopping?: Stopping;
  /** Tasks whose failure another task handles (`needs: [{task, on: [failed]}]`). */
  caught: ReadonlySet<string>;
  /** The pipeline timeout fired (once). */
  pipelineTimedOut: boolean;
  /** Task runs (any attempt) reported ended with their logs still on their way: the run finishes after them. */
  logsPending: Set<string>;
  finished?: { status: PipelineRunStatus; reason?: string; at: number };
}

export type EngineEvent =
  | { type: 'tick' }
  | { type: 'observed'; update: ObservedTaskRun }
  | { type: 'cancel' }
  /** The runtime could not start a task run (e.g. a missing directory): the attempt failed. */
  | { type: 'startFailed'; taskRun: string; message: string };

export type EngineAction =
  | { type: 'start'; plan: TaskRunPlan }
  | { type: 'cancel'; taskRun: string; reason: CancelReason }
  | { type: 'skip'; task: string; key: string; reason: SkipReason }
  | { type: 'retry'; task: string; key: string; attempt: number; taskRun: string }
  /** A pipeline task: the driver runs the called pipeline as the task run `run.runName`. */
  | { type: 'startPipeline'; task: string; run: ChildRun }
  | { type: 'finish'; status: PipelineRunStatus; reason?: string };

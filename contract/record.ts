// The run record: what `kiln run --json` prints last, what the engine reports to the collector
// (POST /v1/runs, PATCH /v1/runs/{id}) and what `GET /v1/runs/{id}` answers. Times are ISO 8601.
import type { ApprovalRecord } from './approval.js';

/** A param's value: Tekton's string, array and object types. */
export type ParamValue = string | string[] | Record<string, string>;

/** Task run statuses, as the run record spells them. */
export type TaskRunStatus = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut' | 'Cancelled';
/** Queued: accepted by kiln serve's queue (a trigger), not started yet. */
export type PipelineRunStatus = 'Queued' | 'Running' | 'Succeeded' | 'Failed' | 'TimedOut' | 'Cancelled';
export type StepStatus = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut' | 'Cancelled';

export interface StepCacheRecord {
  key: string;
  matchedKey: string | null;
  /** Exact key matched. */
  hit: boolean;
  restoredBytes: number;
  seconds: number;
  saved?: boolean;
}

export interface StepRecord {
  name: string;
  status: StepStatus;
  exitCode: number | null;
  reason?: string;
  startedAt?: string;
  finishedAt?: string;
  cache?: StepCacheRecord;
  /** Set when the run shipped logs: every line the step printed reached the collector. */
  logsComplete?: boolean;
  /** When logsComplete is false: how many lines did not (null: unknown) and the spool keeping them. */
  logsUndelivered?: { lines: number | null; spool: string };
}

export interface TaskRunRecord {
  /** The pipeline task's name. */
  name: string;
  /** The task run's own name (unique in the run; matrix runs and retries get their own). */
  taskRun: string;
  /** For a matrix task: this combination's values. */
  matrix?: Record<string, string>;
  status: TaskRunStatus;
  reason?: string;
  /** Why, in words, when the reason alone does not say (Tekton's condition message). */
  message?: string;
  /** How many times it ran (1 + retries used). */
  attempts: number;
  results: Record<string, string>;
  startedAt?: string;
  finishedAt?: string;
  steps: StepRecord[];
  finally?: boolean;
  /** The pipeline tasks it runs after (needs and result references): the run's graph. */
  needs?: string[];
  /** An approval gate: what it waits for, then who decided what. */
  approval?: ApprovalRecord;
  /** Every ended task run of a task retried or looped, in order (the current one is the record itself). */
  history?: AttemptRecord[];
  /** For a task that runs a pipeline (`pipeline:`): the child run's own record. */
  child?: RunRecord;
}

/** One ended task run of a retried or looping task: which try, how it ended, when. */
export interface AttemptRecord {
  taskRun: string;
  /** 0 for the first try of its iteration. */
  attempt: number;
  /** The loop iteration (0-based), for a task with `loop:`. */
  iteration?: number;
  status: TaskRunStatus;
  reason?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface RunRecord {
  /** The pipeline run's name, unique per run. */
  id: string;
  /** The pipeline's name. */
  name: string;
  status: PipelineRunStatus;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  params: Record<string, ParamValue>;
  tasks: TaskRunRecord[];
  /** The pipeline's results, once it has ended (only those whose task results exist). */
  results?: Record<string, ParamValue>;
  /** Which engine ran it: local, kubernetes. */
  engine?: string;
  /** Free-form labels (e.g. branch), for the collector's scoping and filtering. */
  labels?: Record<string, string>;
  /** What ran although it is most likely a slip, as `kiln validate` warns (`FILE:LINE:COL: warning: …`). */
  warnings?: string[];
}

/**
 * Where a run's record goes as it changes (the engine's driver calls it in order): the collector's
 * client sends POST /v1/runs on start and PATCH on updates and at the end.
 */
export interface RunReporter {
  runStarted(record: RunRecord): void | Promise<void>;
  runUpdated(record: RunRecord): void | Promise<void>;
  runFinished(record: RunRecord): void | Promise<void>;
}

/** A task run's reason and, when it has one, its message, as the CLI and the web UI show them. */
export function reasonText(t: { reason?: string; message?: string }): string {
  return t.reason && t.message ? `${t.reason}: ${t.message}` : (t.reason ?? t.message ?? '');
}

// The one Runtime interface. `local/` runs a task run as processes sharing a directory laid out
// like a pod, `kubernetes/` as a Pod, `fake/` in memory for engine tests. The engine decides
// what to run; a runtime only runs it and reports what it sees.
import type {
  StepSpec,
  StepStatus,
  TaskRunStatus,
  TaskVolume,
  TektonCredentials,
  WorkspaceBinding,
  WorkspaceUse,
} from '../syntax/index.js';
import type { ApprovalRecord, ApprovalSpec, StepCacheRecord, StepRecord, StoredResultRef } from '../contract/index.js';

/**
 * A step ready to run: every `$(…)` substituted except the runtime's own paths. `script` (for
 * `run:`/`script`) is written by the runtime to kilnPaths().scriptFile(i) and run; otherwise
 * `command` is the whole argv (the spec's args appended), exec'd directly.
 */
export type ResolvedStep = Omit<StepSpec, 'args' | 'pos' | 'onErrorParam' | 'whenCel'> & {
  /** A script's arguments (Tekton passes a step's `args` to its script as $1, $2, …). */
  scriptArgs?: string[];
};

/** A Tekton sidecar ready to start: a resolved step with its startup and readiness probes (as written). */
export type ResolvedSidecar = ResolvedStep & {
  readinessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  /** Its container's ports as written (a probe's `port` may name one). */
  ports?: Record<string, unknown>[];
};

/**
 * What a runtime is asked to run. Strings in steps may still hold the runtime-dependent
 * references `$(results.<r>.path)` and `$(workspaces.<w>.path)`; the runtime resolves them with
 * syntax's substitute() and its own path layout (/kiln and /workspace in a pod).
 */
export interface TaskRunPlan {
  pipelineRun: string;
  pipeline: string;
  /** Unique in the run and DNS-1123 safe: `<pipelineRun>-<task>[-<matrixIndex>][-i<iteration>][-r<attempt>]`. */
  name: string;
  /** The pipeline task's name. */
  task: string;
  matrix?: Record<string, string>;
  /** 0 for the first try, n for the n-th retry (`$(context.task.retry-count)`). */
  attempt: number;
  image?: string;
  steps: ResolvedStep[];
  results: string[];
  workspaces: WorkspaceUse[];
  /** Bindings of the pipeline's workspaces, by pipeline workspace name. */
  workspaceBindings: Record<string, WorkspaceBinding>;
  /** The task's own volumes (Tekton's), fresh in each task run. */
  volumes?: TaskVolume[];
  /** What the run's ServiceAccount gives the steps (Tekton's credential initialization): local engines. */
  credentials?: TektonCredentials;
  /** Tekton's sidecars: started before the steps (each ready first), stopped after the last. */
  sidecars?: ResolvedSidecar[];
  timeoutMs?: number;
  /** From the run's `taskRunSpecs`: what shapes this task run's Pod (the host engine says it ignores it). */
  pod?: {
    serviceAccountName?: string;
    podTemplate?: Record<string, unknown>;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  /** Environment for every step (task `env`), step env wins. */
  env: Record<string, string>;
  /** When the run ships to a collector: its URL and the write token scoped to this pipeline run. */
  collector?: {
    url: string;
    token: string;
    /** The run's id at the collector, when not its name (Kubernetes: bound to namespace, name and UID). */
    runId?: string;
  };
  finally?: boolean;
  /** An approval gate (message substituted): the driver waits for its decision, no runtime runs it. */
  approval?: ApprovalSpec;
}

export interface ObservedStep {
  name: string;
  status: StepStatus;
  exitCode: number | null;
  reason?: string;
  startedAt?: number;
  finishedAt?: number;
  cache?: StepCacheRecord;
  logsComplete?: StepRecord['logsComplete'];
  logsUndelivered?: StepRecord['logsUndelivered'];
}

/** What a runtime observed of a task run. Times are unix milliseconds. */
export interface ObservedTaskRun {
  name: string;
  status: TaskRunStatus;
  reason?: string;
  message?: string;
  results: Record<string, string>;
  /** Results the steps stored at the collector (too large for a termination message): the driver fetches them. */
  stored?: StoredResultRef[];
  steps: ObservedStep[];
  startedAt?: number;
  finishedAt?: number;
  /** An approval gate's wait and decision. */
  approval?: ApprovalRecord;
  /**
   * With a terminal status: the steps have ended but their logs are still on their way to the
   * collector. The run goes on (the task's dependents start), and it finishes only once one more
   * update of this task run has come, the same terminal status with each step's logsComplete.
   */
  logsPending?: boolean;
}

export type CancelReason = 'Cancelled' | 'TimedOut';

export interface Runtime {
  readonly kind: 'local' | 'podman' | 'kubernetes' | 'fake';
  /** Starts a task run. Idempotent: starting a name that exists is a no-op. */
  start(plan: TaskRunPlan): Promise<void>;
  /**
   * Registers the listener for every change the runtime sees, final states included. A runtime
   * reports each task run's terminal state exactly once, and after one marked logsPending one more
   * update of it, its steps' logs.
   */
  onUpdate(listener: (update: ObservedTaskRun) => void): void;
  /** Stops a task run (every step process or the Pod ended); it then reports status `reason`. */
  cancel(taskRunName: string, reason: CancelReason): Promise<void>;
  /** Frees what a finished pipeline run holds (directories, Pods). */
  cleanup(pipelineRun: string): Promise<void>;
}

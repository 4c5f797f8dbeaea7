// The one normalised pipeline model. Kiln YAML and Tekton documents are both read into it; the
// engine, the runtimes, the exporter and the collector all speak it. Durations are milliseconds.
// Strings may still hold `$(…)` references: substitution happens when a task is ready to run.
// What the model shares with the run record and the agent (statuses, param values, a step's
// cache) is defined in contract/ and re-exported here.
import type { ApprovalSpec, CacheSpec, ParamValue, StepOnError } from '../contract/index.js';

export type {
  ApprovalSpec,
  CachePolicy,
  CacheSpec,
  ParamValue,
  PipelineRunStatus,
  StepStatus,
  TaskRunStatus,
} from '../contract/index.js';

/** Where a node came from, for errors: FILE:LINE:COL (1-based). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type ParamType = 'string' | 'array' | 'object';

export interface ParamSpec {
  name: string;
  type: ParamType;
  default?: ParamValue;
  description?: string;
  /** An object param's keys as Tekton's `properties` declares them (kept for the export). */
  properties?: string[];
  pos?: SourcePos;
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface StepSpec {
  name: string;
  image?: string;
  /** `run:` / Tekton `script`: run by `sh -c`, or by its own interpreter when it starts with `#!`. */
  script?: string;
  /** `command` (+ `args`): exec'd directly. Exactly one of script and command is set. */
  command?: string[];
  args: string[];
  env: Record<string, string>;
  workingDir?: string;
  timeoutMs?: number;
  onError: StepOnError;
  /** Tekton's `onError: $(params.x)` as written: resolved into `onError` when the task run starts. */
  onErrorParam?: string;
  cache?: CacheSpec;
  resources?: ResourceRequirements;
  /** Tekton's `volumeMounts`: the task's volumes (TaskSpec.volumes) this step sees, where. */
  volumeMounts?: VolumeMount[];
  /** Files the step's stdout / stderr are also written to (Tekton's stdoutConfig / stderrConfig `path`). */
  stdoutPath?: string;
  stderrPath?: string;
  /** Tekton's step `results`: written to `$(step.results.r.path)`, read as `$(steps.s.results.r)`. */
  results?: string[];
  /** Step result → the task result it is (a task result's `value: $(steps.s.results.r)`). */
  taskResults?: Record<string, string>;
  /**
   * Tekton's step `workspaces` (isolated workspaces): a task workspace a step names is seen only by
   * the steps that name it, at `mountPath` when given (else where the task's steps see it).
   */
  workspaces?: StepWorkspace[];
  /**
   * Tekton's step `when`: the step runs only when every expression holds; otherwise it is Skipped
   * and the steps after it run. Its step results (`$(steps.s.results.r)`) are read by the step's
   * agent once the steps before it have ended; CEL items are decided when the task run starts.
   */
  when?: WhenExpression[];
  whenCel?: CelCondition[];
  pos?: SourcePos;
}

/**
 * A Tekton sidecar: a container (a process on the host engine) started before the task's steps,
 * ready once its `readinessProbe` succeeds (at once without one), stopped after the last step.
 * The step fields it shares are read as a step's; `onError`, `timeoutMs`, `cache`, results do not apply.
 */
export interface SidecarSpec extends StepSpec {
  /** As written (Kubernetes' Probe: `exec`, `tcpSocket` or `httpGet`, with its timings). */
  readinessProbe?: Record<string, unknown>;
  /** As written, the same kinds: run before the readinessProbe, the sidecar given up after failureThreshold failures. */
  startupProbe?: Record<string, unknown>;
  /** As written (Kubernetes' ContainerPort): a probe's `port` may name one. */
  ports?: Record<string, unknown>[];
}

/** One of its task's workspaces in a step (Tekton's step `workspaces` entry). */
export interface StepWorkspace {
  name: string;
  mountPath?: string;
}

/** One of its task's volumes at `mountPath` in a step (Tekton's `volumeMounts` entry). */
export interface VolumeMount {
  name: string;
  /** Set when `name` is `$(workspaces.w.volume)`: the mount shows task workspace `w`'s volume. */
  workspace?: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/**
 * A task's volume (Tekton's `volumes`), fresh in each task run: an emptyDir, or a ConfigMap, Secret
 * or projected source given beside the Task. `source` as written (for a Pod, the export); `files`
 * what it shows (relative path → text, for the local engines: none for an emptyDir), absent when
 * it cannot be known before the run (a ConfigMap or Secret named by a param).
 */
export interface TaskVolume {
  name: string;
  source: Record<string, unknown>;
  files?: Record<string, string>;
  /**
   * For a ConfigMap or Secret named by a param: the data of every ConfigMap (or Secret) given beside
   * the Task, by name, for the plan to pick from once the param is known (`files` then).
   */
  candidates?: Record<string, Record<string, string>>;
  /**
   * Declared by the TaskRun's `podTemplate`, not by the Task, and mounted by its steps: a Pod gets
   * it from the pod template (as written), and the export leaves it there.
   */
  podTemplate?: true;
}

/** The order of a matrix's combinations: the param that varies fastest between consecutive ones. */
export type MatrixOrder = 'lastFastest' | 'firstFastest';

/** Every `when` form (`x in [a]`, `x == a`, `x != a`, Tekton's object) normalises to this. */
export interface WhenExpression {
  input: string;
  operator: 'in' | 'notin';
  values: string[];
  /** A step's CEL item decided when its task run started (input `true`/`false`): said in messages. */
  cel?: string;
  pos?: SourcePos;
}

/** A task's binding of one of the pipeline's workspaces. */
export interface WorkspaceUse {
  /** Name inside the task (`$(workspaces.<name>.path)`). */
  name: string;
  /** The pipeline workspace it binds. */
  workspace: string;
  subPath?: string;
  /** Tekton's Task workspace `readOnly`: its steps may not write it. */
  readOnly?: true;
}

export interface TaskSpec {
  name: string;
  displayName?: string;
  /** Default image for steps that give none. */
  image?: string;
  steps: StepSpec[];
  /** Explicit ordering (`needs`, Tekton `runAfter`, v1alpha1 `from`). Result references add more: see dag/. */
  needs: string[];
  when: WhenExpression[];
  /** Result names the task declares. */
  results: string[];
  /** Task-level params after propagation from the pipeline (Tekton tasks and `uses` templates). */
  params: Record<string, ParamValue>;
  timeoutMs?: number;
  retries: number;
  /** Tekton's pipeline-task `onError: continue`: its failure does not fail the run (FailureIgnored). */
  onError?: 'continue';
  /** param name → values: one task run per combination. */
  matrix?: Record<string, string[]>;
  /** Tekton's `matrix.include`: params added to matching combinations, or combinations of their own. */
  matrixInclude?: MatrixInclude[];
  /** Which matrix param varies fastest: absent, the last (Kiln's order); Tekton's pipeline tasks, the first. */
  matrixOrder?: MatrixOrder;
  env: Record<string, string>;
  workspaces: WorkspaceUse[];
  /** Tekton's `volumes`, mounted by its steps' `volumeMounts`. */
  volumes?: TaskVolume[];
  /** Tekton's `sidecars`: started before the steps, stopped after them. */
  sidecars?: SidecarSpec[];
  /** Optional workspaces the task declares that nothing binds: `$(workspaces.w.bound)` is false. */
  unboundWorkspaces?: string[];
  /** An approval gate: no steps, it waits for a decision (docs/syntax.md, Approvals). */
  approval?: ApprovalSpec;
  pos?: SourcePos;
  /** Orchestration beyond Tekton's (docs/orchestration.md): each absent unless written. */
  retryPolicy?: RetryPolicy;
  whenCel?: CelCondition[];
  /** Predecessor → the states it must end in for this task to run (`needs: [{task, on}]`). */
  needsOn?: Record<string, NeedState[]>;
  loop?: LoopSpec;
  /** The task runs a whole pipeline instead of steps. */
  pipeline?: PipelineTaskRef;
}

/** When and how long to wait before a retry (`retries: {count, backoff, on}`). */
export interface RetryPolicy {
  backoff?: { delayMs: number; factor: number; maxMs?: number };
  /** Which endings are retried: a failure, a task timeout, or both (the default). */
  on: RetryOn[];
}
export type RetryOn = 'failure' | 'timeout';

/** A CEL expression (`when: [{cel: …}]`); its `$(…)` references become typed CEL variables. */
export interface CelCondition {
  expression: string;
  pos?: SourcePos;
}

export const NEED_STATES = ['succeeded', 'failed', 'skipped'] as const;
export type NeedState = (typeof NEED_STATES)[number];

/** `loop: {until, max, delay}`: the task runs again until `until` holds, at most `max` times. */
export interface LoopSpec {
  until: CelCondition;
  max: number;
  delayMs?: number;
}

/** `pipeline: ./deploy.yaml`: the key of the loaded pipeline in PipelineSpec.pipelines. */
export interface PipelineTaskRef {
  ref: string;
  /** Workspaces of the child pipeline → the parent's workspaces bound to them. */
  workspaces: Record<string, string>;
}

export interface MatrixInclude {
  name?: string;
  params: Record<string, string>;
}

export interface WorkspaceSpec {
  name: string;
  description?: string;
  optional?: boolean;
}

/**
 * A result of the whole run (Tekton's pipeline results): a value made of task results, read once
 * the run has ended. Left out of the run when a result it names was never produced.
 */
export interface PipelineResultSpec {
  name: string;
  value: ParamValue;
  description?: string;
}

/** The engines of `kiln run`: `auto` is podman where podman runs, else host (the default). */
export const ENGINES = ['auto', 'host', 'podman'] as const;
export type EngineChoice = (typeof ENGINES)[number];

export interface PipelineSpec {
  name: string;
  params: ParamSpec[];
  workspaces: WorkspaceSpec[];
  tasks: TaskSpec[];
  finally: TaskSpec[];
  results?: PipelineResultSpec[];
  timeoutMs?: number;
  /** Where `kiln run` runs it (the file's `engine:`); `--engine` wins. */
  engine?: EngineChoice;
  /** The files it was read from. */
  files: string[];
  /** ConfigMaps and Secrets given beside Tekton documents, as written: the export writes them back. */
  documents?: Record<string, unknown>[];
  pos?: SourcePos;
  /** Every pipeline its tasks may call (`pipeline:`, Tekton pipelineRef/pipelineSpec), by key; on the root only. */
  pipelines?: Record<string, PipelineSpec>;
  /** What runs although it is most likely a slip (`FILE:LINE:COL: warning: …`, docs/syntax.md); on the root only. */
  warnings?: string[];
}

/** How a run binds a workspace: a host directory (local), a fresh directory, or a PVC (Kubernetes). */
export type WorkspaceBinding =
  | { kind: 'dir'; path: string; subPath?: string }
  | { kind: 'emptyDir'; subPath?: string }
  /** `declared`: the claim's document was given beside the run (locally, a directory of the run). */
  | { kind: 'pvc'; claimName: string; subPath?: string; declared?: boolean }
  | { kind: 'volumeClaimTemplate'; spec: unknown; subPath?: string }
  /**
   * A ConfigMap, Secret or projected volume given beside the run: `volume` as written (for a Pod,
   * the export), `files` what it shows (relative path → text, for the local engines).
   */
  | { kind: 'files'; volume: Record<string, unknown>; files: Record<string, string>; subPath?: string };

/**
 * A request to run a pipeline: the one shape of what `kiln run`'s flags, a Tekton PipelineRun
 * document and a Kiln PipelineRun resource ask for. Params as given (resolveRunParams applies the
 * pipeline's defaults) or resolved, as the holder says.
 */
export interface RunRequest {
  /** The run's name; unique per run (generated when absent). */
  name?: string;
  params: Record<string, ParamValue>;
  workspaces: Record<string, WorkspaceBinding>;
  /** Overrides the pipeline's own timeout. */
  timeoutMs?: number;
  /** Tekton's `taskRunSpecs` (and a TaskRun's own pod fields): how one pipeline task's task runs run. */
  taskRunSpecs?: TaskRunSpecOverride[];
  /**
   * By pipeline task: the credentials its ServiceAccount (given in the same files) carries, for
   * the local engines. Never sent to a cluster nor exported: Tekton reads the account itself there.
   */
  credentials?: Record<string, TektonCredentials>;
}

/** A Secret that Tekton's credential initialization reads (syntax/tekton/credentials.ts). */
export interface CredentialSecret {
  name: string;
  type?: string;
  annotations: Record<string, string>;
  data: Record<string, string>;
}

/** What a ServiceAccount's Secrets give a task run's steps ($HOME and `$(credentials.path)`). */
export interface TektonCredentials {
  account: string;
  secrets: CredentialSecret[];
}

/**
 * A Tekton PipelineRun's `taskRunSpecs` entry. `timeoutMs` and the compute resources (task-level
 * `computeResources`, per step `stepSpecs`) change what the engine plans; the rest shapes the Pod
 * (`serviceAccountName`, `podTemplate`, `metadata`) and sidecars (`sidecarSpecs`), as written.
 */
export interface TaskRunSpecOverride {
  pipelineTaskName: string;
  serviceAccountName?: string;
  podTemplate?: Record<string, unknown>;
  stepSpecs?: ContainerResources[];
  sidecarSpecs?: ContainerResources[];
  computeResources?: ResourceRequirements;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  timeoutMs?: number;
  pos?: SourcePos;
}

/** A step's or sidecar's resources by its name (Tekton's `stepSpecs` / `sidecarSpecs` item). */
export interface ContainerResources {
  name: string;
  computeResources: ResourceRequirements;
}

/** A pipeline with the request to run it, params resolved: what a run is started from. */
export interface PipelineRunRequest extends RunRequest {
  pipeline: PipelineSpec;
}

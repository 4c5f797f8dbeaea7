// The in-pod protocol (a DESIGN.md contract): the one place that spells the path layout, the
// entrypoint's and log proxy's flags, and the log spool's record format. The agent and the pod
// builder (runtimes/kubernetes) and the host runtime all import it; none re-spells it.

/** Where the shared tools volume is mounted in a pod. Locally, a task run's directory plays /kiln. */
export const KILN_ROOT = '/kiln';
/** Where workspaces are mounted in a pod (`/workspace/<name>`). */
export const WORKSPACE_ROOT = '/workspace';

/** The path layout under a root (`/kiln` in a pod, the task run directory locally). */
export function kilnPaths(root: string = KILN_ROOT) {
  const stepDir = (i: number) => `${root}/run/${i}`;
  return {
    root,
    binDir: `${root}/bin`,
    agent: `${root}/bin/kiln-agent`,
    libDir: `${root}/lib`,
    runDir: `${root}/run`,
    stepDir,
    /** Post file of step i: written on success (or failure with -on_error continue). */
    postFile: (i: number) => `${stepDir(i)}/out`,
    /** Step metadata dir of step i: `exitCode` is written there. */
    stepMetadataDir: (i: number) => `${stepDir(i)}/status`,
    exitCodeFile: (i: number) => `${stepDir(i)}/status/exitCode`,
    /** A step's script (`run:` / Tekton `script`), written by the runtime, executed by the entrypoint. */
    scriptFile: (i: number) => `${root}/scripts/${i}`,
    scriptsDir: `${root}/scripts`,
    /**
     * Termination message of step i. On Kubernetes every container gets its own file at
     * TERMINATION_PATH (the kubelet mounts it per container); locally steps share one directory,
     * so each writes under its own step directory.
     */
    localTerminationFile: (i: number) => `${stepDir(i)}/termination`,
    resultsDir: `${root}/results`,
    resultFile: (name: string) => `${root}/results/${name}`,
    logDir: `${root}/logs`,
    /** Spool file of step i: the entrypoint appends records, the log proxy tails them. */
    spoolFile: (i: number) => spoolFileIn(`${root}/logs`, i),
    /** The log proxy's acknowledged offsets, so a restarted proxy resumes. */
    proxyStateDir: `${root}/logs/.proxy`,
    downwardDir: `${root}/downward`,
    /** The first step waits until this is non-empty: the controller's go-ahead. */
    readyFile: `${root}/downward/ready`,
  };
}
export type KilnPaths = ReturnType<typeof kilnPaths>;

/** Suffix of the failure twin of a post file. */
export const ERR_SUFFIX = '.err';
/** Kubernetes' per-container termination message path for steps. */
export const TERMINATION_PATH = `${KILN_ROOT}/termination`;
/** Kubernetes caps a termination message at 4096 bytes. */
export const TERMINATION_MESSAGE_LIMIT = 4096;
/** The largest result the agent stores at the collector (the collector's default limit too). */
export const STORED_RESULT_LIMIT = 1024 * 1024;

export const workspacePath = (name: string) => `${WORKSPACE_ROOT}/${name}`;

/** Entrypoint flags, Tekton's spelling (single dash), then Kiln's own. */
export const ENTRYPOINT_FLAGS = {
  waitFile: '-wait_file',
  waitFileContent: '-wait_file_content',
  postFile: '-post_file',
  terminationPath: '-termination_path',
  results: '-results',
  timeout: '-timeout',
  onError: '-on_error',
  stepMetadataDir: '-step_metadata_dir',
  entrypoint: '-entrypoint',
  // Kiln's own
  resultsDir: '-results_dir',
  logDir: '-log_dir',
  stepName: '-step_name',
  stepIndex: '-step_index',
  /** Ends the step (as a SIGTERM would) when the process that started the agent dies. */
  exitWithParent: '-exit_with_parent',
  /** How long the process group gets between SIGTERM and SIGKILL on -timeout (Go duration). */
  timeoutGrace: '-timeout_grace',
  // Results too large for the termination message go to the collector: PUT <url>/<name>, with
  resultsUrl: '-results_url',
  resultsTokenFile: '-results_token_file', // a file holding the run token
  // The dependency cache (agent/cache): -cache holds the step's CacheSpec as JSON.
  cache: '-cache',
  cacheDir: '-cache_dir', // a local cache directory, or:
  cacheUrl: '-cache_url', // the collector's base URL, with
  cacheTokenFile: '-cache_token_file', // a file holding the run token
  cacheWorkspace: '-cache_workspace', // relative paths and hashFiles globs start here (default: cwd)
} as const;

/** What one step's `kiln-agent entrypoint` invocation needs: the same for a pod and a local run. */
export interface EntrypointArgvInput {
  /** How the agent is started: its path, or node and the bundle. */
  agent: string[];
  /** The layout as the step sees it (/kiln in a pod or sandbox, the task run directory locally). */
  paths: KilnPaths;
  index: number;
  stepName: string;
  onError: StepOnError;
  terminationPath: string;
  results: readonly string[];
  timeoutMs?: number;
  exitWithParent?: boolean;
  /** Further flags (the dependency cache's). */
  extra?: readonly string[];
  /** The step's command and its arguments. */
  command: readonly string[];
}

/** Go's duration spelling, which -timeout reads. */
const goDuration = (ms: number) => `${Math.max(1, Math.round(ms))}ms`;

/**
 * The entrypoint argv of step i: step 0 waits for the go-ahead (the ready file, non-empty), step i
 * for step i-1's post file (whose .err twin skips it).
 */
export function entrypointArgv(o: EntrypointArgvInput): string[] {
  const F = ENTRYPOINT_FLAGS;
  const P = o.paths;
  const [program, ...args] = o.command;
  if (program === undefined) throw new Error(`step ${o.stepName} has no command`);
  return [
    ...o.agent, 'entrypoint',
    ...(o.index === 0 ? [F.waitFile, P.readyFile, F.waitFileContent] : [F.waitFile, P.postFile(o.index - 1)]),
    F.postFile, P.postFile(o.index),
    F.terminationPath, o.terminationPath,
    F.stepMetadataDir, P.stepMetadataDir(o.index),
    F.resultsDir, P.resultsDir,
    ...(o.results.length ? [F.results, o.results.join(',')] : []),
    F.logDir, P.logDir,
    F.stepName, o.stepName,
    F.stepIndex, String(o.index),
    ...(o.timeoutMs ? [F.timeout, goDuration(o.timeoutMs)] : []),
    F.onError, o.onError,
    ...(o.exitWithParent ? [F.exitWithParent] : []),
    ...(o.extra ?? []),
    F.entrypoint, program,
    '--', ...args,
  ];
}

/** Spool file of step i inside a log directory (the entrypoint's -log_dir). */
export function spoolFileIn(logDir: string, stepIndex: number): string {
  return `${logDir}/${stepIndex}.spool`;
}

/** Log proxy flags. */
export const LOG_PROXY_FLAGS = {
  runDir: '-run_dir',
  logDir: '-log_dir',
  steps: '-steps', // comma list of step names, in order; step i's spool is spoolFile(i)
  collector: '-collector', // base URL; absent = spool only, nothing shipped
  tokenFile: '-token_file', // bearer token scoped to the pipeline run
  pipelineRun: '-pipeline_run',
  taskRun: '-task_run',
  stateDir: '-state_dir',
  deadline: '-deadline', // give up delivering this long after the last step finished
} as const;

export const STEP_ON_ERROR = ['continue', 'stopAndFail'] as const;
export type StepOnError = (typeof STEP_ON_ERROR)[number];

/** Tekton's termination message entry types. */
export const RESULT_TYPE = { TaskRunResult: 1, InternalTektonResult: 3 } as const;
export interface TerminationEntry {
  key: string;
  value: string;
  type: number;
}
/**
 * Kiln's own internal entry (type InternalTektonResult): the step's cache record (StepCacheRecord
 * JSON). The termination message is the one thing of a step both runtimes can read: on Kubernetes
 * the kubelet keeps it in the container status, where no file in the pod can be reached.
 */
export const CACHE_TERMINATION_KEY = 'kiln.cache';
/**
 * Kiln's internal entry for a result stored at the collector instead of the message: key
 * `kiln.result:<name>`, value `{"size": bytes, "sha256": hex}`. The reader fetches and checks it.
 */
export const STORED_RESULT_KEY_PREFIX = 'kiln.result:';

/**
 * The log spool record format. A spool file is a sequence of records:
 *   `<stream> <unix-ms> <byte-length>\n<payload bytes>\n`
 * stream is `o` (stdout) or `e` (stderr). A payload is one line without its newline, or a piece
 * of a line longer than SPOOL_MAX_RECORD (such a line becomes several records: split, never
 * dropped). A record's sequence number is its index in the file, counted from 0 across both
 * streams, so the order in which stdout and stderr were written is kept.
 */
export const SPOOL_MAX_RECORD = 64 * 1024;
export type SpoolStream = 'o' | 'e';

export function encodeSpoolHeader(stream: SpoolStream, timeMs: number, length: number): string {
  return `${stream} ${timeMs} ${length}\n`;
}

/** Parses a record header line (without its newline); null when it is not one. */
export function parseSpoolHeader(line: string): { stream: SpoolStream; timeMs: number; length: number } | null {
  const m = /^([oe]) (\d{1,16}) (\d{1,9})$/.exec(line);
  if (!m) return null;
  const length = Number(m[3]);
  if (length > SPOOL_MAX_RECORD) return null;
  return { stream: m[1] as SpoolStream, timeMs: Number(m[2]), length };
}

// The agent's command lines (a DESIGN.md contract): `kiln-agent entrypoint` and `kiln-agent
// log-proxy` flags, spelled as Tekton spells its entrypoint's, and the one builder of each argv.
// The pod builder and the host runtime call these builders; the agent parses the same flags.
import type { CacheSpec } from './cache-spec.js';
import { formatDuration } from './duration.js';
import type { KilnPaths } from './pod-layout.js';

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
  /** Files the step's stdout / stderr are also written to (Tekton's stdoutConfig / stderrConfig). */
  stdoutPath: '-stdout_path',
  stderrPath: '-stderr_path',
  /**
   * Where every step's step results are (`DIR/<step>/results/<name>`): the entrypoint makes its own
   * directory and replaces `$(steps.S.results.R)` in its command and environment from there.
   */
  stepsDir: '-steps_dir',
  /** `R=T,…`: after the step, its step result R is also the task result T (a task result's `value`). */
  stepResultsAs: '-step_result_as',
  /**
   * Tekton's step `when` as JSON (`[{input, operator, values}]`), step results still as written: the
   * entrypoint replaces them, then skips the command when an expression does not hold.
   */
  stepWhen: '-step_when',
  // Kiln's own
  resultsDir: '-results_dir',
  logDir: '-log_dir',
  stepName: '-step_name',
  stepIndex: '-step_index',
  /** Ends the step (as a SIGTERM would) when the process that started the agent dies. */
  exitWithParent: '-exit_with_parent',
  /** How long the process group gets between SIGTERM and SIGKILL on -timeout (Go duration). */
  timeoutGrace: '-timeout_grace',
  /**
   * A sidecar without probes: the file the agent writes once its command has settled (SIDECAR_SETTLE
   * in pod-layout.ts), the runtime's sign that the steps may start.
   */
  settledFile: '-settled_file',
  // Results too large for the termination message go to the collector: PUT <url>/<name>, with
  resultsUrl: '-results_url',
  resultsTokenFile: '-results_token_file', // a file holding the run token
  /** Bytes this step's termination message may use: a Pod shares 12 KiB among its containers. */
  terminationLimit: '-termination_limit',
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
  /** The step's dependency cache and where it is kept (a directory, or the collector). */
  cache?: { spec: CacheSpec; store: CacheStoreFlags };
  /** Where results too large for the termination message go: the collector's URL for this task run. */
  resultsStore?: { url: string; tokenFile: string };
  /** The termination message's size limit when it is not the 4096 bytes of one container. */
  terminationLimit?: number;
  /** Files the step's stdout and stderr are also written to (Tekton's stdoutConfig / stderrConfig). */
  stdoutPath?: string;
  stderrPath?: string;
  /** A sidecar (Tekton's, on the host engine) starts at once: no wait file. */
  noWait?: boolean;
  /** A sidecar without probes: where the agent says its command has settled (paths.settledFile). */
  settledFile?: string;
  /** Step 0 in a Pod: the settled files of the sidecars without probes, waited for after the go-ahead. */
  sidecarsSettled?: readonly string[];
  /** Step results (Tekton's): where they are kept, and which of this step's become task results. */
  stepResults?: { stepsDir: string; asTaskResults: Record<string, string> };
  /** The step's `when` (Tekton's): the command runs only if every expression holds. */
  when?: readonly StepWhen[];
  /** The step's command and its arguments. */
  command: readonly string[];
}

/** One expression of a step's `when`: `input` is (or is not) one of `values`, once substituted. */
export interface StepWhen {
  input: string;
  operator: 'in' | 'notin';
  values: string[];
  /** The CEL expression this was decided from (input `true` or `false`), for the skip message. */
  cel?: string;
}

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
    ...o.agent,
    'entrypoint',
    ...(o.noWait
      ? []
      : o.index === 0
        ? [F.waitFile, [P.readyFile, ...(o.sidecarsSettled ?? [])].join(','), F.waitFileContent]
        : [F.waitFile, P.postFile(o.index - 1)]),
    F.postFile,
    P.postFile(o.index),
    F.terminationPath,
    o.terminationPath,
    F.stepMetadataDir,
    P.stepMetadataDir(o.index),
    F.resultsDir,
    P.resultsDir,
    ...(o.results.length ? [F.results, o.results.join(',')] : []),
    F.logDir,
    P.logDir,
    F.stepName,
    o.stepName,
    F.stepIndex,
    String(o.index),
    ...(o.timeoutMs ? [F.timeout, formatDuration(Math.max(1, Math.round(o.timeoutMs)))] : []),
    F.onError,
    o.onError,
    ...(o.exitWithParent ? [F.exitWithParent] : []),
    ...(o.settledFile ? [F.settledFile, o.settledFile] : []),
    ...(o.cache ? cacheFlagArgs(o.cache.spec, o.cache.store) : []),
    ...(o.resultsStore ? [F.resultsUrl, o.resultsStore.url, F.resultsTokenFile, o.resultsStore.tokenFile] : []),
    ...(o.terminationLimit !== undefined ? [F.terminationLimit, String(o.terminationLimit)] : []),
    ...(o.stdoutPath ? [F.stdoutPath, o.stdoutPath] : []),
    ...(o.stderrPath ? [F.stderrPath, o.stderrPath] : []),
    ...(o.stepResults ? stepResultFlags(o.stepResults) : []),
    ...(o.when?.length
      ? [
          F.stepWhen,
          JSON.stringify(o.when.map(({ input, operator, values, cel }) => ({ input, operator, values, cel }))),
        ]
      : []),
    F.entrypoint,
    program,
    '--',
    ...args,
  ];
}

function stepResultFlags(s: NonNullable<EntrypointArgvInput['stepResults']>): string[] {
  const as = Object.entries(s.asTaskResults).map(([r, t]) => `${r}=${t}`);
  return [ENTRYPOINT_FLAGS.stepsDir, s.stepsDir, ...(as.length ? [ENTRYPOINT_FLAGS.stepResultsAs, as.join(',')] : [])];
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
  spoolLimit: '-spool_limit', // unacked bytes of a step's spool before its output is held back (K/M/G; 0: none)
  exitWithParent: '-exit_with_parent', // no value: exit when the process that started it dies
} as const;

export const STEP_ON_ERROR = ['continue', 'stopAndFail'] as const;
export type StepOnError = (typeof STEP_ON_ERROR)[number];

/** Where a step's cache is kept: a directory (a local run), or the collector with the run's token. */
export type CacheStoreFlags = { dir: string } | { url: string; tokenFile: string };

/** The entrypoint flags of a step's cache. */
export function cacheFlagArgs(spec: CacheSpec, store: CacheStoreFlags): string[] {
  const F = ENTRYPOINT_FLAGS;
  const argv: string[] = [F.cache, JSON.stringify(spec)];
  if ('dir' in store) argv.push(F.cacheDir, store.dir);
  else argv.push(F.cacheUrl, store.url, F.cacheTokenFile, store.tokenFile);
  return argv;
}

/** What one task run's `kiln-agent log-proxy` needs: the same for a pod and a local run. */
export interface LogProxyArgvInput {
  agent: string[];
  paths: KilnPaths;
  /** Step names in order: step i's spool is paths.spoolFile(i). */
  steps: readonly string[];
  collector: { url: string; tokenFile: string };
  pipelineRun: string;
  taskRun: string;
  /** Where acknowledged offsets are kept (a restarted proxy resumes from them). */
  stateDir?: string;
  /** Give up delivering this long after the last step ended (a duration). */
  deadline?: string;
  /** Unacked bytes of a step's spool before its output is held back (e.g. `512M`; the proxy's default when absent). */
  spoolLimit?: string;
  /** Exit when the process that started the proxy dies (a local run; a pod's proxy ends with its pod). */
  exitWithParent?: boolean;
}

export function logProxyArgv(o: LogProxyArgvInput): string[] {
  const F = LOG_PROXY_FLAGS;
  return [
    ...o.agent,
    'log-proxy',
    F.runDir,
    o.paths.runDir,
    F.logDir,
    o.paths.logDir,
    F.steps,
    o.steps.join(','),
    F.collector,
    o.collector.url,
    F.tokenFile,
    o.collector.tokenFile,
    F.pipelineRun,
    o.pipelineRun,
    F.taskRun,
    o.taskRun,
    ...(o.stateDir ? [F.stateDir, o.stateDir] : []),
    ...(o.deadline ? [F.deadline, o.deadline] : []),
    ...(o.spoolLimit ? [F.spoolLimit, o.spoolLimit] : []),
    ...(o.exitWithParent ? [F.exitWithParent] : []),
  ];
}

// The in-pod protocol (a DESIGN.md contract): the one place that spells the path layout, the
// termination message's Kiln entries and the log spool's record format (the agent's command lines
// are in agent-argv.ts). The agent, the pod builder (runtimes/kubernetes) and the host runtime all
// import it; none re-spells it.

import { decodeInPlaceRecord, encodeInPlaceRecord } from './in-place-record.js';

/** Where the shared tools volume is mounted in a pod. Locally, a task run's directory plays /kiln. */
export const KILN_ROOT = '/kiln';
/** Where workspaces are mounted in a pod (`/workspace/<name>`). */
export const WORKSPACE_ROOT = '/workspace';

/** The path layout under a root (`/kiln` in a pod, the task run directory locally). */
/**
 * The result that carries a task's artifacts (Tekton's `$(artifacts.path)`, alpha) to the engine:
 * the agent copies the file there after each step, so the run record keeps it and a later task
 * reads `$(tasks.t.outputs.n)` from it.
 */
export const TASK_ARTIFACTS_RESULT = 'kiln.artifacts';

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
    /**
     * Sidecar i without probes: written by its agent once the command settled (SIDECAR_SETTLE). In
     * the run directory itself, which exists before any agent starts, so the runtime can watch it.
     */
    settledFile: (i: number) => `${root}/run/${i}.settled`,
    /** Step results (Tekton's `$(step.results.r.path)`), by step name: `<stepsDir>/<step>/results/<r>`. */
    stepsDir: `${root}/run/steps`,
    stepResultFile: (step: string, name: string) => `${root}/run/steps/${step}/results/${name}`,
    /**
     * Tekton's artifacts (alpha): a step's `$(step.artifacts.path)` beside its results, and the
     * task's `$(artifacts.path)` in the steps directory's sibling `artifacts/` (made by the agent).
     */
    stepArtifactsFile: (step: string) => `${root}/run/steps/${step}/artifacts/provenance.json`,
    taskArtifactsFile: `${root}/run/artifacts/provenance.json`,
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
    proxyStateDir: defaultProxyStateDir(`${root}/logs`),
    downwardDir: `${root}/downward`,
    /** The first step waits until this is non-empty: the controller's go-ahead. */
    readyFile: `${root}/downward/ready`,
  };
}
export type KilnPaths = ReturnType<typeof kilnPaths>;

/**
 * When a sidecar without probes counts as ready (Tekton's: once its container runs; its steps then
 * wait for the controller to see that, hundreds of ms at least, which such sidecars rely on). The
 * agent samples every process of the sidecar's command (its session and descendants) every
 * `sampleMs`: once two samples in a row find the same processes, each waiting (sleeping, stopped or
 * a zombie: /proc/PID/stat state S, T, t, Z or I) with no CPU time spent between them, it writes
 * `settled` to the settled file; `ended` when the command ended first; `unsettled` after `boundMs`
 * (the steps then start, with a warning naming the sidecar).
 */
export const SIDECAR_SETTLE = { sampleMs: 50, boundMs: 5000 } as const;
export type SettledWord = 'settled' | 'ended' | 'unsettled';

/** Suffix of the failure twin of a post file. */
export const ERR_SUFFIX = '.err';
/** Kubernetes' per-container termination message path for steps. */
export const TERMINATION_PATH = `${KILN_ROOT}/termination`;
/** Kubernetes caps a termination message at 4096 bytes. */
export const TERMINATION_MESSAGE_LIMIT = 4096;
/** The largest result the agent stores at the collector (the collector's default limit too). */
export const STORED_RESULT_LIMIT = 1024 * 1024;

export const workspacePath = (name: string) => `${WORKSPACE_ROOT}/${name}`;

/** The log proxy's state directory when -state_dir is not given. */
export const defaultProxyStateDir = (logDir: string) => `${logDir}/.proxy`;

/**
 * What a log proxy that gave up (its -deadline passed, or the collector refused) leaves in its
 * state directory: each step whose lines did not all reach the collector. The host runtime reads
 * it into the run record (StepRecord.logsComplete) and `kiln run`'s closing words.
 */
export const proxyReportFile = (stateDir: string) => `${stateDir}/undelivered.json`;
export interface LogProxyReport {
  steps: {
    step: string;
    stepIndex: number;
    /** The first line (seq) the collector has not acked. */
    fromSeq: number;
    /** Lines in the spool from fromSeq on. */
    lines: number;
    spool: string;
  }[];
  lastError?: string;
}

/** Spool file of step i inside a log directory (the entrypoint's -log_dir). */
export function spoolFileIn(logDir: string, stepIndex: number): string {
  return `${logDir}/${stepIndex}.spool`;
}

/**
 * The spool's gate: the byte size up to which the entrypoint may grow a step's spool (a record of
 * in-place-record.ts: spoolGateText), kept by the log proxy as the step's acked offset plus its
 * -spool_limit, made whole (renamed into place) and then rewritten in place. The entrypoint stops
 * reading the command's output (so the command blocks on its writes) while the spool is at or past
 * it; no gate file, no limit (nothing ships the spool).
 */
export function spoolGateFile(spoolFile: string): string {
  return `${spoolFile}.allow`;
}

/** A gate file's text for `size`. */
export const spoolGateText = (size: number): string => encodeInPlaceRecord([size]);

/** The size a gate file's text names; `torn` for a write half done (read again), null when it is no gate. */
export function readSpoolGateText(text: string): number | 'torn' | null {
  const fields = decodeInPlaceRecord(text);
  return fields === 'torn' || fields === null ? fields : fields.length === 1 ? fields[0] : null;
}

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
 * The log spool record format (version 2). A spool file is a sequence of records:
 *   `<stream> <unix-ms> <byte-length>\n<payload>`
 * stream is `O` (stdout) or `E` (stderr): SpoolStream `o` or `e` in capitals. The payload is one or more lines, each followed by its
 * newline (byte-length counts them, so a payload ends with one): the whole lines of what the
 * entrypoint read at once, which share their time. A line is at most SPOOL_MAX_RECORD bytes
 * without its newline (a longer line becomes several lines: split, never dropped), and a payload
 * at most SPOOL_MAX_RECORD + 1 bytes. A line's sequence number is its index in the file, counted
 * from 0 across records and both streams, so the order in which stdout and stderr were written is
 * kept. Version 1 (`o`/`e`, a record per line, the newline after the payload and not counted) wrote
 * a header per line, a fifth of a spool of 100-byte lines and most of the entrypoint's and the log
 * proxy's work per line; a reader refuses its headers by name (isSpoolV1Header).
 */
export const SPOOL_MAX_RECORD = 64 * 1024;
/** A spooled stream: stdout or stderr (its header letter is the capital). */
export type SpoolStream = 'o' | 'e';

export function encodeSpoolHeader(stream: SpoolStream, timeMs: number, length: number): string {
  return `${stream.toUpperCase()} ${timeMs} ${length}\n`;
}

/** Parses a record header line (without its newline); null when it is not one. */
export function parseSpoolHeader(line: string): { stream: SpoolStream; timeMs: number; length: number } | null {
  const m = /^([OE]) (\d{1,16}) (\d{1,9})$/.exec(line);
  if (!m) return null;
  const length = Number(m[3]);
  if (length < 1 || length > SPOOL_MAX_RECORD + 1) return null;
  return { stream: m[1].toLowerCase() as SpoolStream, timeMs: Number(m[2]), length };
}

/** A version 1 record header (without its newline): a reader says so rather than calling the file corrupt. */
export function isSpoolV1Header(line: string): boolean {
  return /^[oe] \d{1,16} \d{1,9}$/.test(line);
}

/** One step's delivery, as the run record tells it. */
export interface StepLogs {
  logsComplete: boolean;
  /** When incomplete: lines not delivered (null: unknown, the proxy died) and the spool keeping them. */
  logsUndelivered?: { lines: number | null; spool: string };
}

/**
 * How each step's logs fared, from how the log proxy ended: exit 0 is every line acked; otherwise
 * its report names the steps it could not deliver, and no report (it died without a word) leaves
 * no step's logs known complete. `spool(i)` is where step i's spool is kept for the reader.
 */
export function stepLogsOf(
  exitCode: number | null,
  report: LogProxyReport | undefined,
  steps: number,
  spool: (i: number) => string,
): StepLogs[] {
  const all = Array.from({ length: steps }, (): StepLogs => ({ logsComplete: true }));
  if (exitCode === 0) return all;
  if (!report) return all.map((_, i) => ({ logsComplete: false, logsUndelivered: { lines: null, spool: spool(i) } }));
  for (const s of report.steps)
    all[s.stepIndex] = { logsComplete: false, logsUndelivered: { lines: s.lines, spool: spool(s.stepIndex) } };
  return all;
}

// The entrypoint's sequencing: wait for the previous step, run the command, collect results, write
// the termination message, exit code and post file. Pure: every effect goes through the ports
// below, so tests drive it with fakes and the real adapters live beside it.
import {
  cacheFits,
  checkTerminationSize,
  ERR_SUFFIX,
  resultsToStore,
  ResultTooLargeError,
  serializeTermination,
  type StepCacheRecord,
  type StepReason,
  type StepReport,
  STORED_RESULT_LIMIT,
  type StoredResultRef,
  TERMINATION_MESSAGE_LIMIT,
  terminationEntries,
} from '../../contract/index.js';
import { ResultNotStoredError, ResultUnreadableError } from '../errors.js';
import type { EntrypointOptions } from './options.js';

export type WaitOutcome = 'ready' | 'skip';

export interface Waiter {
  /** Resolves 'ready' once `path` exists (non-empty when `content`), 'skip' once `path.err` does. */
  waitFor(path: string, opts: { content: boolean }): Promise<WaitOutcome>;
}

export interface RunRequest {
  command: string[];
  timeoutMs?: number;
  timeoutGraceMs: number;
}

export interface RunOutcome {
  exitCode: number;
  timedOut: boolean;
  /** Set when the command could not be started at all (not found, not executable). */
  spawnError?: string;
  /** What the step's dependency cache did (agent/cache's CachingRunner), for the termination message. */
  cache?: StepCacheRecord;
}

export interface Runner {
  /** Set-up that can be done before waiting, to keep it off the hand-off between steps. */
  prepare(): Promise<void>;
  run(request: RunRequest): Promise<RunOutcome>;
}

export interface PostWriter {
  /** Writes `postFile` when ok, `postFile.err` otherwise. */
  writePost(postFile: string, ok: boolean): Promise<void>;
}

export interface AgentFs {
  /** Size of the file and, when it is at most `limit` bytes, its text; null when it does not exist. */
  readBounded(path: string, limit: number): Promise<{ size: number; text?: string } | null>;
  /** Creates parent directories as needed. */
  writeFile(path: string, data: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** Where results too large for the termination message are kept (the collector). */
export interface ResultStore {
  /** Stores one result; throws ResultNotStoredError when it cannot. */
  put(name: string, value: string): Promise<StoredResultRef>;
}

export interface EntrypointPorts {
  waiter: Waiter;
  runner: Runner;
  post: PostWriter;
  fs: AgentFs;
  clock: Clock;
  /** Absent: a result that does not fit the termination message fails the step. */
  results?: ResultStore;
  /** One line for the step's log (the agent's stderr). */
  warn(message: string): void;
}

export interface EntrypointResult {
  /** What the agent process exits with. */
  exitCode: number;
  report: StepReport;
  /** Whether `post_file` (true) or `post_file.err` (false) was written. */
  posted: boolean;
}

const SKIPPED_EXIT_CODE = 1;

export async function runEntrypoint(opts: EntrypointOptions, ports: EntrypointPorts): Promise<EntrypointResult> {
  await ports.runner.prepare();
  for (const file of opts.waitFiles) {
    if ((await ports.waiter.waitFor(file, { content: opts.waitFileContent })) === 'skip') {
      ports.warn(`skipped: ${file}${ERR_SUFFIX} says an earlier step failed`);
      return finish(opts, ports, { exitCode: SKIPPED_EXIT_CODE, reason: 'Skipped', results: [] }, false);
    }
  }
  const startedAt = ports.clock.now();
  const run = await ports.runner.run({
    command: opts.command,
    timeoutMs: opts.timeoutMs,
    timeoutGraceMs: opts.timeoutGraceMs,
  });
  if (run.spawnError) ports.warn(run.spawnError);
  const reason: StepReason | undefined = run.timedOut
    ? 'TimeoutExceeded'
    : run.spawnError
      ? 'CommandNotRunnable'
      : undefined;
  if (run.timedOut) ports.warn(`step timed out after ${opts.timeoutMs}ms`);

  const report: StepReport = {
    startedAt,
    exitCode: run.exitCode,
    reason,
    results: [],
    ...(run.cache && { cache: run.cache }),
  };
  try {
    report.results = await readResults(opts, ports.fs, ports.results ? STORED_RESULT_LIMIT : TERMINATION_MESSAGE_LIMIT);
    if (ports.results) await storeLargeResults(report, ports.results);
    else checkTerminationSize(report);
  } catch (err) {
    if (!(
      err instanceof ResultTooLargeError ||
      err instanceof ResultUnreadableError ||
      err instanceof ResultNotStoredError
    ))
      throw err;
    ports.warn(err.message);
    report.results = [];
    delete report.stored;
    report.reason =
      err instanceof ResultTooLargeError
        ? 'ResultTooLarge'
        : err instanceof ResultNotStoredError
          ? 'ResultNotStored'
          : 'ResultUnreadable';
    if (report.exitCode === 0) report.exitCode = 1;
  }
  if (!cacheFits(report)) {
    // Results come first: the cache record is only information, never worth failing the step.
    ports.warn('the cache record does not fit the termination message beside the results: left out of the run record');
    delete report.cache;
  }
  const ok = report.exitCode === 0 && report.reason === undefined;
  return finish(opts, ports, report, ok);
}

async function readResults(opts: EntrypointOptions, fs: AgentFs, limit: number): Promise<StepReport['results']> {
  const results: { name: string; value: string }[] = [];
  for (const name of opts.results) {
    const path = `${opts.resultsDir}/${name}`;
    const file = await fs.readBounded(path, limit).catch((err: unknown) => {
      throw new ResultUnreadableError(name, path, err);
    });
    if (!file) continue;
    if (file.text === undefined) throw new ResultTooLargeError(name, file.size, limit);
    results.push({ name, value: file.text });
  }
  return results;
}

/** Moves the results that do not fit the termination message to the store, leaving references. */
async function storeLargeResults(report: StepReport, store: ResultStore): Promise<void> {
  const names = new Set(resultsToStore(report));
  if (names.size === 0) return;
  const stored: StoredResultRef[] = [];
  for (const r of report.results) if (names.has(r.name)) stored.push(await store.put(r.name, r.value));
  report.results = report.results.filter((r) => !names.has(r.name));
  report.stored = stored;
}

/**
 * Writes everything the next step and the controller read, post file last so that whoever wakes
 * on it finds the rest in place. As in Tekton, -on_error continue covers a command that ran and
 * exited non-zero: the exit code is recorded but the post file says success and the agent exits 0.
 * A skip, a timeout, a command that cannot start or a result that does not fit still fail.
 */
async function finish(
  opts: EntrypointOptions,
  ports: EntrypointPorts,
  report: StepReport,
  ok: boolean,
): Promise<EntrypointResult> {
  const continues = !ok && report.reason === undefined && opts.onError === 'continue';
  await ports.fs.writeFile(opts.terminationPath, serializeTermination(terminationEntries(report)));
  if (opts.stepMetadataDir) await ports.fs.writeFile(`${opts.stepMetadataDir}/exitCode`, String(report.exitCode));
  const posted = ok || continues;
  if (opts.postFile) await ports.post.writePost(opts.postFile, posted);
  return { exitCode: ok || continues ? 0 : report.exitCode || 1, report, posted };
}

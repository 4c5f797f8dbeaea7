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
import { AgentIOError, ResultNotStoredError, ResultUnreadableError } from '../errors.js';
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
  /** The step's output could not be kept (the spool): the command was stopped and the step fails. */
  ioError?: AgentIOError;
}

export interface Runner {
  /** Set-up that can be done before waiting, to keep it off the hand-off between steps; throws AgentIOError. */
  prepare(): Promise<void>;
  run(request: RunRequest): Promise<RunOutcome>;
}

export interface PostWriter {
  /** Writes `postFile` when ok, `postFile.err` otherwise. */
  writePost(postFile: string, ok: boolean): Promise<void>;
}

export interface AgentFs {
  /**
   * Size of the file and, when it is at most `limit` bytes, its text; null when it does not exist.
   * `fsFull` is set for an empty file on a file system with no free blocks left.
   */
  readBounded(path: string, limit: number): Promise<{ size: number; text?: string; fsFull?: boolean } | null>;
  /** Creates parent directories as needed; overwrites in place, so the space reserved stays the file's. */
  writeFile(path: string, data: string): Promise<void>;
  /** Makes the file at least `bytes` long (blanks), so that what replaces it needs no new space. */
  reserve(path: string, bytes: number): Promise<void>;
  /** Creates the directory and its parents when missing. */
  makeDir(path: string): Promise<void>;
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
  const early = await prepare(opts, ports);
  for (const file of opts.waitFiles) {
    if ((await ports.waiter.waitFor(file, { content: opts.waitFileContent })) === 'skip') {
      ports.warn(`skipped: ${file}${ERR_SUFFIX} says an earlier step failed`);
      return finish(opts, ports, { exitCode: SKIPPED_EXIT_CODE, reason: 'Skipped', results: [] }, false);
    }
  }
  const startedAt = ports.clock.now();
  if (early) {
    // After the wait, so the steps still end in order: this one fails in its turn, without running.
    ports.warn(`${early.message}: the command is not run`);
    return finish(opts, ports, ioFailed({ startedAt, exitCode: 1, results: [] }, early), false);
  }
  const run = await ports.runner.run({
    command: opts.command,
    timeoutMs: opts.timeoutMs,
    timeoutGraceMs: opts.timeoutGraceMs,
  });
  if (run.spawnError) ports.warn(run.spawnError);
  if (run.ioError) ports.warn(`${run.ioError.message}: the command was stopped`);
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
    const limit = opts.terminationLimit;
    report.results = await readResults(opts, ports.fs, ports.results ? STORED_RESULT_LIMIT : limit);
    if (ports.results) await storeLargeResults(report, ports.results, limit);
    else checkTerminationSize(report, limit);
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
  if (run.ioError) ioFailed(report, run.ioError);
  if (!cacheFits(report, opts.terminationLimit)) {
    // Results come first: the cache record is only information, never worth failing the step.
    ports.warn('the cache record does not fit the termination message beside the results: left out of the run record');
    delete report.cache;
  }
  const ok = report.exitCode === 0 && report.reason === undefined;
  return finish(opts, ports, report, ok);
}

/**
 * The spool and the room for the termination message, before waiting. A failure is returned, not
 * thrown: the step then fails in its turn, once the steps before it have ended.
 */
async function prepare(opts: EntrypointOptions, ports: EntrypointPorts): Promise<AgentIOError | undefined> {
  try {
    await ports.runner.prepare();
    // On a disk that fills up while the step runs, the message must still fit: its room is taken now.
    await ports.fs.reserve(opts.terminationPath, TERMINATION_MESSAGE_LIMIT).catch((err: unknown) => {
      throw AgentIOError.from('reserving the termination message', opts.terminationPath, err);
    });
    // The exit code's directory too: the hand-off after the command then makes no directory (a
    // metadata write that waits milliseconds on a busy disk). Best effort: finish makes it if not.
    if (opts.stepMetadataDir) await ports.fs.makeDir(opts.stepMetadataDir).catch(() => undefined);
    return undefined;
  } catch (err) {
    if (err instanceof AgentIOError) return err;
    throw err;
  }
}

/**
 * Marks the report failed by an I/O error: reason AgentIOError, its message, a non-zero exit code.
 * The first failure is the one named (a skip, a timeout, a result, an earlier I/O error): the later
 * ones are often its consequence (a full disk), and are on stderr.
 */
function ioFailed(report: StepReport, err: AgentIOError): StepReport {
  if (report.reason === undefined) {
    report.reason = 'AgentIOError';
    report.message = err.message;
  }
  if (report.exitCode === 0) report.exitCode = 1;
  return report;
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
    // An empty result beside a full disk is most likely a write that failed, not an empty value.
    if (file.fsFull && file.text === '')
      throw new ResultUnreadableError(name, path, 'it is empty and its file system has no space left');
    results.push({ name, value: file.text });
  }
  return results;
}

/** Moves the results that do not fit the termination message to the store, leaving references. */
async function storeLargeResults(report: StepReport, store: ResultStore, limit: number): Promise<void> {
  const names = new Set(resultsToStore(report, limit));
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
 *
 * A write that fails does not stop the others: the step then fails with reason AgentIOError, the
 * termination message is written again to say so, and `.err` stands in for the post file. When not
 * even `.err` can be written, the agent still exits non-zero with the message and a line on stderr.
 */
async function finish(
  opts: EntrypointOptions,
  ports: EntrypointPorts,
  report: StepReport,
  ok: boolean,
): Promise<EntrypointResult> {
  const continues = !ok && report.reason === undefined && opts.onError === 'continue';
  let failed = false;
  const write = async (operation: string, path: string, effect: () => Promise<void>): Promise<boolean> => {
    try {
      await effect();
      return true;
    } catch (err) {
      const ioError = AgentIOError.from(operation, path, err);
      ports.warn(ioError.message);
      ioFailed(report, ioError);
      failed = true;
      return false;
    }
  };
  const message = () =>
    write('writing the termination message', opts.terminationPath, () =>
      ports.fs.writeFile(opts.terminationPath, serializeTermination(terminationEntries(report))),
    );
  const exitCode = () => {
    const path = `${opts.stepMetadataDir}/exitCode`;
    return write('writing the exit code', path, () => ports.fs.writeFile(path, String(report.exitCode)));
  };
  const post = (success: boolean) => {
    const path = success ? opts.postFile! : opts.postFile + ERR_SUFFIX;
    return write('writing the post file', path, () => ports.post.writePost(opts.postFile!, success));
  };

  const messageWritten = await message();
  const exitCodeWritten = opts.stepMetadataDir && (await exitCode()) ? report.exitCode : undefined;
  // Said again once a later write failed, so the record names the failure (the first one if even
  // this fails: the message's own room was reserved before the step, so it rarely does).
  const correct = async () => {
    if (messageWritten) await message();
    if (exitCodeWritten !== undefined && exitCodeWritten !== report.exitCode) await exitCode();
  };
  if (failed) await correct(); // before the post file, which must come last
  let posted = !failed && (ok || continues);
  if (opts.postFile && !(await post(posted))) {
    if (posted) {
      posted = false;
      await post(false);
    }
    await correct();
  }
  return { exitCode: posted ? 0 : report.exitCode || 1, report, posted };
}

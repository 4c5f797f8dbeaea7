// The termination message: what Kubernetes keeps of a container after it ends, as Tekton writes it
// (a JSON array of {key, value, type}). Pure: builds the entries and enforces the size limit.
import { ResultTooLargeError } from '../errors.js';
import type { StepCacheRecord } from '../../controller/spec/record.js';
import { CACHE_TERMINATION_KEY, RESULT_TYPE, TERMINATION_MESSAGE_LIMIT, type TerminationEntry } from '../protocol.js';

export type StepReason = 'TimeoutExceeded' | 'Skipped' | 'ResultTooLarge' | 'ResultUnreadable' | 'CommandNotRunnable';

export interface StepReport {
  startedAt?: Date;
  exitCode: number;
  reason?: StepReason;
  results: ReadonlyArray<{ name: string; value: string }>;
  /** The step's cache record: an internal entry, so it reaches the controller from a pod too. */
  cache?: StepCacheRecord;
}

export function terminationEntries(report: StepReport): TerminationEntry[] {
  const internal = RESULT_TYPE.InternalTektonResult;
  const entries: TerminationEntry[] = [];
  if (report.startedAt) entries.push({ key: 'StartedAt', value: report.startedAt.toISOString(), type: internal });
  entries.push({ key: 'ExitCode', value: String(report.exitCode), type: internal });
  if (report.reason) entries.push({ key: 'Reason', value: report.reason, type: internal });
  if (report.cache) entries.push({ key: CACHE_TERMINATION_KEY, value: JSON.stringify(report.cache), type: internal });
  for (const r of report.results) entries.push({ key: r.name, value: r.value, type: RESULT_TYPE.TaskRunResult });
  return entries;
}

export const serializeTermination = (entries: TerminationEntry[]) => JSON.stringify(entries);

/**
 * Throws ResultTooLargeError when the results do not fit: a single result over the limit is named
 * with its own size; results that fit one by one but not together name the largest of them with
 * the size of the whole message.
 */
export function checkTerminationSize(report: StepReport, limit = TERMINATION_MESSAGE_LIMIT): void {
  if (report.results.length === 0) return;
  const sizeOf = (s: string) => Buffer.byteLength(s);
  for (const r of report.results) {
    const size = sizeOf(r.value);
    if (size > limit) throw new ResultTooLargeError(r.name, size, limit);
  }
  const total = sizeOf(serializeTermination(terminationEntries({ ...report, cache: undefined })));
  if (total > limit) {
    const largest = report.results.reduce((a, b) => (sizeOf(b.value) > sizeOf(a.value) ? b : a));
    throw new ResultTooLargeError(largest.name, sizeOf(largest.value), limit, total);
  }
}

/**
 * Whether the message with the cache record still fits. It is small (two keys of at most 512
 * characters, numbers); only results close to the limit can crowd it out.
 */
export function cacheFits(report: StepReport, limit = TERMINATION_MESSAGE_LIMIT): boolean {
  return !report.cache || Buffer.byteLength(serializeTermination(terminationEntries(report))) <= limit;
}

// The termination message: what Kubernetes keeps of a container after it ends, as Tekton writes it
// (a JSON array of {key, value, type}). Pure: the agent's writer (entries, size limit) and the one
// reader both runtimes use.
import { parseCacheReport } from '../cache/report.js';
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

/** What a step's termination message tells its runtime. */
export interface StepTermination {
  exitCode?: number;
  reason?: string;
  startedAt?: number;
  results: Record<string, string>;
  /** What the step's cache did, when it has one. */
  cache?: StepCacheRecord;
}

/**
 * Reads a termination message. Total: anything that is not an entry list the agent could have
 * written (not JSON, not an array, a malformed entry, far over the limit) is `undefined`.
 */
export function readTermination(text: string | undefined): StepTermination | undefined {
  if (!text || text.length > 4 * TERMINATION_MESSAGE_LIMIT) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(isEntry)) return undefined;
  const out: StepTermination = { results: {} };
  const results: [string, string][] = [];
  for (const item of parsed) {
    if (item.type === RESULT_TYPE.TaskRunResult) results.push([item.key, item.value]);
    else if (item.type !== RESULT_TYPE.InternalTektonResult) continue;
    else if (item.key === 'ExitCode' && /^-?\d{1,4}$/.test(item.value)) out.exitCode = Number(item.value);
    else if (item.key === 'Reason') out.reason = item.value;
    else if (item.key === 'StartedAt' && !Number.isNaN(Date.parse(item.value))) out.startedAt = Date.parse(item.value);
    else if (item.key === CACHE_TERMINATION_KEY) out.cache = parseCacheReport(item.value);
  }
  // fromEntries defines own properties: a result named __proto__ stays a result.
  out.results = Object.fromEntries(results);
  return out;
}

function isEntry(item: unknown): item is TerminationEntry {
  if (!item || typeof item !== 'object') return false;
  const e = item as Record<string, unknown>;
  return typeof e.key === 'string' && typeof e.value === 'string' && typeof e.type === 'number';
}

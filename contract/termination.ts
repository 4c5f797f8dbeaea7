// The termination message: what Kubernetes keeps of a container after it ends, as Tekton writes it
// (a JSON array of {key, value, type}). Pure: the agent's writer (entries, size limit) and the one
// reader both runtimes use.
import { parseCacheReport } from './cache-report.js';
import { KilnError } from './errors.js';
import type { StepCacheRecord } from './record.js';
import {
  CACHE_TERMINATION_KEY,
  RESULT_TYPE,
  STORED_RESULT_KEY_PREFIX,
  STORED_RESULT_LIMIT,
  TERMINATION_MESSAGE_LIMIT,
  type TerminationEntry,
} from './pod-layout.js';

/** A result does not fit in the termination message (Kubernetes caps it at 4096 bytes). */
export class ResultTooLargeError extends KilnError {
  readonly code = 'result-too-large';
  constructor(
    readonly result: string,
    readonly size: number,
    readonly limit: number,
    /** Set when each result fits but all of them together do not. */
    readonly messageSize?: number,
  ) {
    super(
      (messageSize === undefined
        ? `result "${result}" is ${size} bytes, over the ${limit}-byte termination message limit`
        : `results make a ${messageSize}-byte termination message, over the ${limit}-byte limit; ` +
          `the largest is "${result}" (${size} bytes)`) + '; write less to it or pass the data through a workspace',
    );
  }
}

export type StepReason =
  | 'TimeoutExceeded'
  | 'Skipped'
  | 'ResultTooLarge'
  | 'ResultUnreadable'
  | 'ResultNotStored'
  | 'CommandNotRunnable'
  | 'AgentIOError';

/** How much of a failure's message the termination message carries (it shares 4096 bytes with the results). */
export const TERMINATION_DETAIL_LIMIT = 512;

/** A result kept at the collector: the message carries its size and digest, the reader fetches it. */
export interface StoredResultRef {
  name: string;
  size: number;
  sha256: string;
}

export interface StepReport {
  startedAt?: Date;
  exitCode: number;
  reason?: StepReason;
  /** What went wrong, in words, beside the reason (entry `Message`); cut to TERMINATION_DETAIL_LIMIT. */
  message?: string;
  results: ReadonlyArray<{ name: string; value: string }>;
  /** The step's cache record: an internal entry, so it reaches the controller from a pod too. */
  cache?: StepCacheRecord;
  /** Results too large for the message, stored at the collector. */
  stored?: StoredResultRef[];
}

export function terminationEntries(report: StepReport): TerminationEntry[] {
  const internal = RESULT_TYPE.InternalTektonResult;
  const entries: TerminationEntry[] = [];
  if (report.startedAt) entries.push({ key: 'StartedAt', value: report.startedAt.toISOString(), type: internal });
  entries.push({ key: 'ExitCode', value: String(report.exitCode), type: internal });
  if (report.reason) entries.push({ key: 'Reason', value: report.reason, type: internal });
  if (report.message)
    entries.push({ key: 'Message', value: report.message.slice(0, TERMINATION_DETAIL_LIMIT), type: internal });
  if (report.cache) entries.push({ key: CACHE_TERMINATION_KEY, value: JSON.stringify(report.cache), type: internal });
  for (const r of report.stored ?? []) {
    entries.push({
      key: STORED_RESULT_KEY_PREFIX + r.name,
      value: JSON.stringify({ size: r.size, sha256: r.sha256 }),
      type: internal,
    });
  }
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

const byteSize = (s: string) => Buffer.byteLength(s);

/**
 * The results to store at the collector so that the message fits: the largest first, until the
 * rest and the references to the stored ones fit. Throws ResultTooLargeError for a result over
 * what the collector keeps, or when even references alone do not fit (very many results).
 */
export function resultsToStore(report: StepReport, limit = TERMINATION_MESSAGE_LIMIT): string[] {
  for (const r of report.results) {
    if (byteSize(r.value) > STORED_RESULT_LIMIT)
      throw new ResultTooLargeError(r.name, byteSize(r.value), STORED_RESULT_LIMIT);
  }
  const largestFirst = [...report.results].sort((a, b) => byteSize(b.value) - byteSize(a.value));
  const moved: (typeof report.results)[number][] = [];
  const messageSize = () =>
    byteSize(
      serializeTermination(
        terminationEntries({
          ...report,
          cache: undefined,
          results: report.results.filter((r) => !moved.includes(r)),
          // A reference is as long whatever the digest: measure with a placeholder.
          stored: moved.map((r) => ({ name: r.name, size: byteSize(r.value), sha256: '0'.repeat(64) })),
        }),
      ),
    );
  for (let size = messageSize(); size > limit; size = messageSize()) {
    const next = largestFirst[moved.length];
    if (!next) throw new ResultTooLargeError(largestFirst[0]!.name, byteSize(largestFirst[0]!.value), limit, size);
    moved.push(next);
  }
  return moved.map((r) => r.name);
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
  /** The words beside the reason (an AgentIOError's: what failed, where, why). */
  message?: string;
  startedAt?: number;
  results: Record<string, string>;
  /** What the step's cache did, when it has one. */
  cache?: StepCacheRecord;
  /** Results the agent stored at the collector (too large for the message): fetch and check them. */
  stored?: StoredResultRef[];
}

/** The step's reason as a run record shows it: `Reason: message` when the agent said more. */
export function terminationReason(t: StepTermination): string | undefined {
  return t.reason && t.message ? `${t.reason}: ${t.message}` : t.reason;
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
    else if (item.key === 'Message') out.message = item.value;
    else if (item.key === 'StartedAt' && !Number.isNaN(Date.parse(item.value))) out.startedAt = Date.parse(item.value);
    else if (item.key === CACHE_TERMINATION_KEY) out.cache = parseCacheReport(item.value);
    else if (item.key.startsWith(STORED_RESULT_KEY_PREFIX)) {
      const ref = storedRef(item.key.slice(STORED_RESULT_KEY_PREFIX.length), item.value);
      if (ref) (out.stored ??= []).push(ref);
    }
  }
  // fromEntries defines own properties: a result named __proto__ stays a result.
  out.results = Object.fromEntries(results);
  return out;
}

function storedRef(name: string, value: string): StoredResultRef | undefined {
  try {
    const v = JSON.parse(value) as { size?: unknown; sha256?: unknown };
    const ok =
      name !== '' &&
      Number.isSafeInteger(v.size) &&
      (v.size as number) >= 0 &&
      typeof v.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(v.sha256);
    return ok ? { name, size: v.size as number, sha256: v.sha256 as string } : undefined;
  } catch {
    return undefined;
  }
}

function isEntry(item: unknown): item is TerminationEntry {
  if (!item || typeof item !== 'object') return false;
  const e = item as Record<string, unknown>;
  return typeof e.key === 'string' && typeof e.value === 'string' && typeof e.type === 'number';
}

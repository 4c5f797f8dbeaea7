// Reading a step's termination message (what the agent leaves: JSON [{key, value, type}]) into
// what a step reports. Pure and total: anything unreadable is `undefined`, never a throw.
import { parseCacheReport } from '../../../agent/cache/report.js';
import { CACHE_TERMINATION_KEY, RESULT_TYPE, TERMINATION_MESSAGE_LIMIT, type TerminationEntry } from '../../../agent/protocol.js';
import type { StepCacheRecord } from '../../spec/record.js';

export interface StepTermination {
  exitCode?: number;
  reason?: string;
  startedAt?: number;
  results: Record<string, string>;
  /** What the step's cache did, when it has one. */
  cache?: StepCacheRecord;
}

export function parseTermination(text: string): StepTermination | undefined {
  // The agent bounds the message; a larger one is not the agent's.
  if (text.length > 4 * TERMINATION_MESSAGE_LIMIT) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: StepTermination = { results: {} };
  const results: [string, string][] = [];
  for (const item of parsed) {
    if (!isEntry(item)) return undefined;
    if (item.type === RESULT_TYPE.TaskRunResult) results.push([item.key, item.value]);
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

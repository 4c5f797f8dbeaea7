// Reading a step's cache record (the StepCacheRecord JSON the entrypoint puts into its termination
// message, key CACHE_TERMINATION_KEY) back into the run record, for the local runtime and the
// Kubernetes pod status alike. Total: a foreign or malformed value is undefined, never a throw.
import type { StepCacheRecord } from './record.js';

const MAX_REPORT_BYTES = 8 * 1024;

export function parseCacheReport(text: string): StepCacheRecord | undefined {
  if (text.length > MAX_REPORT_BYTES) return undefined;
  try {
    const r = JSON.parse(text) as StepCacheRecord;
    const ok =
      typeof r.key === 'string' &&
      (r.matchedKey === null || typeof r.matchedKey === 'string') &&
      typeof r.hit === 'boolean' &&
      Number.isFinite(r.restoredBytes) &&
      Number.isFinite(r.seconds) &&
      (r.saved === undefined || typeof r.saved === 'boolean');
    if (!ok) return undefined;
    return {
      key: r.key,
      matchedKey: r.matchedKey,
      hit: r.hit,
      restoredBytes: r.restoredBytes,
      seconds: r.seconds,
      ...(r.saved !== undefined && { saved: r.saved }),
    };
  } catch {
    return undefined;
  }
}

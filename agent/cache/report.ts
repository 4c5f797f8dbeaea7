// Reading a step's cache report (the StepCacheRecord JSON the entrypoint writes) back into the
// run record. Total: a missing or foreign file is undefined, never a throw.
import { readFile } from 'node:fs/promises';
import type { StepCacheRecord } from '../../controller/spec/record.js';

const MAX_REPORT_BYTES = 8 * 1024;

export function parseCacheReport(text: string): StepCacheRecord | undefined {
  if (text.length > MAX_REPORT_BYTES) return undefined;
  try {
    const r = JSON.parse(text) as StepCacheRecord;
    const ok = typeof r.key === 'string' && (r.matchedKey === null || typeof r.matchedKey === 'string') &&
      typeof r.hit === 'boolean' && Number.isFinite(r.restoredBytes) && Number.isFinite(r.seconds) &&
      (r.saved === undefined || typeof r.saved === 'boolean');
    if (!ok) return undefined;
    return { key: r.key, matchedKey: r.matchedKey, hit: r.hit, restoredBytes: r.restoredBytes, seconds: r.seconds, ...(r.saved !== undefined && { saved: r.saved }) };
  } catch {
    return undefined;
  }
}

export async function readCacheReport(file: string): Promise<StepCacheRecord | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseCacheReport(text);
}

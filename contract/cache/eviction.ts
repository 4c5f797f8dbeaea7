// Which entries to drop, shared by the local directory and the collector: first every entry
// unused for maxAgeMs, then least recently used ones until the distinct blobs fit in maxBytes.
// Blobs are content-addressed, so two entries may share one; a blob counts once and is freed
// only when its last entry goes.

export interface EvictionLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export interface EvictionRow<Id> {
  id: Id;
  digest: string;
  size: number;
  lastUsed: number;
}

export interface EvictionPlan<Id> {
  remove: Id[];
  /** Digests no kept entry references any more: their blobs can go. */
  freed: string[];
}

export function planEviction<Id>(rows: EvictionRow<Id>[], limits: EvictionLimits, now: number): EvictionPlan<Id> {
  const byAge = [...rows].sort((a, b) => a.lastUsed - b.lastUsed);
  const refs = new Map<string, number>();
  const size = new Map<string, number>();
  for (const r of rows) {
    refs.set(r.digest, (refs.get(r.digest) ?? 0) + 1);
    size.set(r.digest, r.size);
  }
  let total = [...size.values()].reduce((a, b) => a + b, 0);
  const remove: Id[] = [];
  const freed: string[] = [];
  for (const r of byAge) {
    if (now - r.lastUsed <= limits.maxAgeMs && total <= limits.maxBytes) break;
    remove.push(r.id);
    const left = refs.get(r.digest)! - 1;
    refs.set(r.digest, left);
    if (left === 0) {
      freed.push(r.digest);
      total -= size.get(r.digest)!;
    }
  }
  return { remove, freed };
}

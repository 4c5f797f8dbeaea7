// Figures of a set of runs, pure: percentiles of durations, successes and failures per day, the
// slowest tasks and the cache hit rate of run records. The pipelines page and the charts use them.
import type { RunRecord } from '../../../contract/index.js';
import type { RunSummary } from './api.js';
import { durationMs } from './dom.js';

/** The p-th percentile (0–100) by nearest rank, or null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const finishedDurations = (runs: RunSummary[]) =>
  runs.filter((r) => r.status !== 'Running' && r.finishedAt).map((r) => durationMs(r.startedAt, r.finishedAt)!);

export interface Day {
  /** UTC midnight, ms. */
  day: number;
  succeeded: number;
  failed: number;
}

/** Finished runs per UTC day, oldest first, every day between the first and the last included. */
export function perDay(runs: RunSummary[]): Day[] {
  const dayOf = (iso: string) => Math.floor(Date.parse(iso) / 86_400_000) * 86_400_000;
  const finished = runs.filter((r) => r.status !== 'Running' && r.status !== 'Queued');
  if (!finished.length) return [];
  const days = finished.map((r) => dayOf(r.startedAt));
  const out: Day[] = [];
  for (let d = Math.min(...days); d <= Math.max(...days); d += 86_400_000)
    out.push({ day: d, succeeded: 0, failed: 0 });
  for (const r of finished) {
    const slot = out[(dayOf(r.startedAt) - out[0]!.day) / 86_400_000]!;
    if (r.status === 'Succeeded') slot.succeeded++;
    else slot.failed++;
  }
  return out;
}

/** Pipeline tasks by mean duration over the records, slowest first. */
export function slowestTasks(records: RunRecord[], n = 5): { task: string; meanMs: number; runs: number }[] {
  const by = new Map<string, number[]>();
  for (const r of records)
    for (const t of r.tasks) {
      const ms = t.finishedAt ? durationMs(t.startedAt, t.finishedAt) : null;
      if (ms !== null) by.set(t.name, [...(by.get(t.name) ?? []), ms]);
    }
  return [...by]
    .map(([task, ms]) => ({ task, meanMs: ms.reduce((a, b) => a + b, 0) / ms.length, runs: ms.length }))
    .sort((a, b) => b.meanMs - a.meanMs)
    .slice(0, n);
}

/** Steps' cache restores over the records: exact-key hits of all. */
export function cacheHits(records: RunRecord[]): { hits: number; total: number } {
  const steps = records.flatMap((r) => r.tasks.flatMap((t) => t.steps.filter((s) => s.cache)));
  return { hits: steps.filter((s) => s.cache!.hit).length, total: steps.length };
}

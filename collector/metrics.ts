// The collector's Prometheus metrics, in a registry of its own so several collectors can live in
// one process (tests, an embedded one beside a CLI).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricCaps } from '../contract/metrics/index.js';
import { runMetrics } from './run-metrics.js';

/**
 * `processMetrics`: Node's own metrics of the collector's process (CPU, memory, event loop, GC), on
 * by default; kiln run's embedded collector leaves them out (the CLI's process, gone with the run:
 * their start was ≈ 2–4 ms of its start, and they watch every GC and the event loop's delay).
 */
export function createMetrics(caps?: MetricCaps, processMetrics = true) {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    /** Per pipeline, task and cache, from the run records stored (run-metrics.ts). */
    runs: runMetrics(registry, caps),
    lines: new Counter({
      name: 'kiln_collector_ingest_lines_total',
      help: 'Log lines received',
      registers: [registry],
    }),
    batches: new Counter({
      name: 'kiln_collector_ingest_batches_total',
      help: 'Log batches stored',
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'kiln_collector_ingest_bytes_total',
      help: 'Log batch bytes received',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'kiln_collector_errors_total',
      help: 'Requests refused or failed',
      labelNames: ['status'],
      registers: [registry],
    }),
    storeSeconds: new Histogram({
      name: 'kiln_collector_store_seconds',
      help: 'Store operation latency',
      labelNames: ['op'],
      registers: [registry],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
  };
}
export type CollectorMetrics = ReturnType<typeof createMetrics>;

/** Runs a store operation, observing its latency. */
export async function timed<T>(m: CollectorMetrics, op: string, fn: () => Promise<T>): Promise<T> {
  const end = m.storeSeconds.startTimer({ op });
  try {
    return await fn();
  } finally {
    end();
  }
}

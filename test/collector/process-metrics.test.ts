// A collector's /metrics carries Node's process metrics unless told not to (kiln run's embedded
// collector, whose process is the CLI's); the run metrics are there either way.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../collector/metrics.js';

const names = async (m: ReturnType<typeof createMetrics>) => (await m.registry.getMetricsAsJSON()).map((x) => x.name);

describe("the collector's metrics", () => {
  it("hold Node's process metrics by default, and not when left out", async () => {
    const full = await names(createMetrics());
    const lean = await names(createMetrics(undefined, false));
    expect(full).toContain('process_cpu_seconds_total');
    expect(full).toContain('nodejs_eventloop_lag_seconds');
    expect(lean.filter((n) => n.startsWith('process_') || n.startsWith('nodejs_'))).toEqual([]);
    expect(lean).toContain('kiln_collector_ingest_lines_total');
    expect(full.filter((n) => n.startsWith('kiln_'))).toEqual(lean.filter((n) => n.startsWith('kiln_')));
  });
});

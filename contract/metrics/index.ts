// The run metrics the collector and the controller both export, named and bucketed the same way,
// and the caps on their label values: at most `pipelines` distinct pipeline names and `tasks`
// distinct (pipeline, task) pairs get series of their own; later ones are folded into `other`
// (docs/metrics.md). A face of its own: prom-client is no part of what every step loads.
import { Counter, Histogram, type Registry } from 'prom-client';

export const OTHER = 'other';

export interface MetricCaps {
  /** Distinct pipeline label values (default 100). */
  pipelines: number;
  /** Distinct (pipeline, task) label pairs (default 1000). */
  tasks: number;
}
export const DEFAULT_METRIC_CAPS: MetricCaps = { pipelines: 100, tasks: 1000 };

/** Keeps the first `cap` values it is given; every later one is `other`. */
export class LabelCap {
  private readonly seen = new Set<string>();
  constructor(private readonly cap: number) {}
  label(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.cap) return OTHER;
    this.seen.add(value);
    return value;
  }
}

// Runs last seconds to hours; task runs a fraction of that.
const RUN_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600];
export const TASK_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
export const QUEUE_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** The pipeline-run series both the collector and the controller export. */
export function pipelineRunSeries(registry: Registry) {
  return {
    runs: new Counter({
      name: 'kiln_pipelinerun_total',
      help: 'Pipeline runs ended, by pipeline and final status.',
      labelNames: ['pipeline', 'status'],
      registers: [registry],
    }),
    runSeconds: new Histogram({
      name: 'kiln_pipelinerun_duration_seconds',
      help: 'Time from a pipeline run starting to its end, by pipeline and final status.',
      labelNames: ['pipeline', 'status'],
      buckets: RUN_BUCKETS,
      registers: [registry],
    }),
  };
}

// The controller's Prometheus metrics, Tekton's set under Kiln's prefix. What the collector also
// measures (runs ended, their durations) has the collector's names, labels and buckets
// (collector/run-metrics.ts), with the pipeline label bounded the same way; the rest has no run,
// task or pipeline names as labels.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEFAULT_METRIC_CAPS, LabelCap, pipelineRunSeries } from '../contract/metrics/index.js';

export interface ControllerMetrics {
  registry: Registry;
  /** kiln_pipelinerun_total and kiln_pipelinerun_duration_seconds, {pipeline, status}. */
  runs: ReturnType<typeof pipelineRunSeries>;
  /** Bounds the pipeline label (the rest are `other`). */
  pipelines: LabelCap;
  runningPipelineRuns: Gauge;
  taskRunPodLatency: Histogram;
  reconcileErrors: Counter;
}

export function controllerMetrics(registry = new Registry()): ControllerMetrics {
  return {
    registry,
    runs: pipelineRunSeries(registry),
    pipelines: new LabelCap(DEFAULT_METRIC_CAPS.pipelines),
    runningPipelineRuns: new Gauge({
      name: 'kiln_running_pipelineruns',
      help: 'PipelineRuns the controller is running now.',
      registers: [registry],
    }),
    taskRunPodLatency: new Histogram({
      name: 'kiln_taskrun_pod_latency_seconds',
      help: 'Time from the controller asking for a task run Pod to seeing it running.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'kiln_reconcile_errors_total',
      help: 'Reconciles that failed and were retried.',
      registers: [registry],
    }),
  };
}

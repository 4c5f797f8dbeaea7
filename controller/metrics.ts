// The controller's Prometheus metrics, Tekton's set under Kiln's prefix. Labels are bounded: the
// run's final status only (five values), never run, task or pipeline names.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ControllerMetrics {
  registry: Registry;
  pipelineRunDuration: Histogram<'status'>;
  runningPipelineRuns: Gauge;
  taskRunPodLatency: Histogram;
  reconcileErrors: Counter;
}

export function controllerMetrics(registry = new Registry()): ControllerMetrics {
  return {
    registry,
    pipelineRunDuration: new Histogram({
      name: 'kiln_pipelinerun_duration_seconds',
      help: 'Time from a PipelineRun starting to its end, by final status.',
      labelNames: ['status'],
      buckets: [10, 30, 60, 300, 900, 1800, 3600, 5400, 10800, 21600],
      registers: [registry],
    }),
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

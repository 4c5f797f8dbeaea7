// Run metrics from the run records the collector stores: per pipeline, task and cache, counted once
// per run as its record first arrives ended, with label values capped (contract/metrics, whose
// pipeline-run series the controller exports too).
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RunRecord } from '../contract/index.js';
import {
  DEFAULT_METRIC_CAPS,
  LabelCap,
  OTHER,
  pipelineRunSeries,
  QUEUE_BUCKETS,
  TASK_BUCKETS,
  type MetricCaps,
} from '../contract/metrics/index.js';
import type { Store } from './store/types.js';

const seconds = (from?: string, to?: string) =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

/** The collector's run metrics, fed by `observe` with each run as it ends. */
export function runMetrics(registry: Registry, caps: MetricCaps = DEFAULT_METRIC_CAPS) {
  const pipelines = new LabelCap(caps.pipelines);
  const tasks = new LabelCap(caps.tasks);
  const series = {
    ...pipelineRunSeries(registry),
    taskSeconds: new Histogram({
      name: 'kiln_taskrun_duration_seconds',
      help: 'Time from a task run starting to its end, by pipeline, pipeline task and final status.',
      labelNames: ['pipeline', 'task', 'status'],
      buckets: TASK_BUCKETS,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'kiln_taskrun_retries_total',
      help: 'Task run attempts beyond the first, by pipeline and pipeline task.',
      labelNames: ['pipeline', 'task'],
      registers: [registry],
    }),
    cache: new Counter({
      name: 'kiln_cache_requests_total',
      help: "Steps' dependency cache restores, by result (hit: the exact key; miss: a fallback key or nothing).",
      labelNames: ['result'],
      registers: [registry],
    }),
    queueSeconds: new Histogram({
      name: 'kiln_pipelinerun_queue_seconds',
      help: 'Time from a pipeline run starting to its first task run starting, by pipeline.',
      labelNames: ['pipeline'],
      buckets: QUEUE_BUCKETS,
      registers: [registry],
    }),
  };
  return {
    series,
    /** Counts one ended run. */
    observe(r: RunRecord): void {
      const pipeline = pipelines.label(r.name);
      const status = r.status;
      series.runs.inc({ pipeline, status });
      const runS = seconds(r.startedAt, r.finishedAt);
      if (runS !== undefined) series.runSeconds.observe({ pipeline, status }, runS);
      const starts = r.tasks.flatMap((t) => (t.startedAt ? [Date.parse(t.startedAt)] : []));
      if (starts.length)
        series.queueSeconds.observe({ pipeline }, seconds(r.startedAt, new Date(Math.min(...starts)).toISOString())!);
      for (const t of r.tasks) {
        for (const s of t.steps) if (s.cache) series.cache.inc({ result: s.cache.hit ? 'hit' : 'miss' });
        const taskS = seconds(t.startedAt, t.finishedAt);
        // A task that never ran (skipped, not reached) takes no label value.
        if (taskS === undefined || t.status === 'Skipped') continue;
        const task = pipeline === OTHER || tasks.label(`${pipeline}/${t.name}`) === OTHER ? OTHER : t.name;
        series.taskSeconds.observe({ pipeline, task, status: t.status }, taskS);
        if (t.attempts > 1) series.retries.inc({ pipeline, task }, t.attempts - 1);
      }
    },
  };
}
export type RunMetrics = ReturnType<typeof runMetrics>;

const ENDED = new Set(['Succeeded', 'Failed', 'TimedOut', 'Cancelled']);
/** How many ended run ids are remembered, so a record stored again (an archive) is not counted twice. */
const REMEMBERED = 10_000;

/** The store, counting each run in `metrics` the first time its record is stored ended. */
export function meteredStore(store: Store, metrics: RunMetrics): Store {
  const counted = new Set<string>();
  return Object.assign(Object.create(store) as Store, {
    async putRun(record: RunRecord): Promise<void> {
      await store.putRun(record);
      if (!ENDED.has(record.status) || counted.has(record.id)) return;
      counted.add(record.id);
      if (counted.size > REMEMBERED) counted.delete(counted.values().next().value!);
      metrics.observe(record);
    },
  });
}

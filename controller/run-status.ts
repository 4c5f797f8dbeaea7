// The PipelineRun's status block from the run record, and back (pure). The status holds enough to
// rebuild the record, so a controller restarted after a run finished but before it was archived
// can still archive it.
import type { PipelineRunStatus } from '../syntax/index.js';
import { formatDuration, type RunRecord } from '../contract/index.js';
import type { Condition, PipelineRunResource, PipelineRunStatusBlock } from '../runtimes/kubernetes/index.js';

export function statusFromRecord(record: RunRecord, now: string, previous?: Condition): PipelineRunStatusBlock {
  const running = record.status === 'Running';
  const condition: Condition = {
    type: 'Succeeded',
    status: running ? 'Unknown' : record.status === 'Succeeded' ? 'True' : 'False',
    reason: record.reason && !running ? record.reason : record.status,
    message: summary(record),
    lastTransitionTime: now,
  };
  if (previous && previous.status === condition.status && previous.reason === condition.reason)
    condition.lastTransitionTime = previous.lastTransitionTime;
  return {
    conditions: [condition],
    startTime: record.startedAt,
    completionTime: record.finishedAt,
    duration: record.finishedAt
      ? formatDuration(Math.round((Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000) * 1000)
      : undefined,
    pipeline: record.name,
    taskRuns: record.tasks,
    results: record.results,
  };
}

function summary(record: RunRecord): string {
  const count = (s: string) => record.tasks.filter((t) => t.status === s).length;
  return `Tasks Completed: ${count('Succeeded') + count('Failed') + count('TimedOut') + count('Cancelled')} (Failed: ${count('Failed') + count('TimedOut')}, Cancelled ${count('Cancelled')}), Skipped: ${count('Skipped')}`;
}

/** The run's outcome as the status shows it; undefined while running or before it started. */
export function finishedStatus(run: PipelineRunResource): PipelineRunStatus | undefined {
  const c = run.status?.conditions?.find((x) => x.type === 'Succeeded');
  if (!c || c.status === 'Unknown' || !run.status?.completionTime) return undefined;
  if (c.status === 'True') return 'Succeeded';
  return (['TimedOut', 'Cancelled'] as const).find((s) => s === c.reason) ?? 'Failed';
}

/** The pipeline a run runs, by name, before its status says: the Pipeline it names, or the one it embeds. */
export function pipelineNameOf(run: PipelineRunResource): string {
  const embedded = run.spec.pipelineSpec?.name;
  return run.spec.pipelineRef?.name ?? (typeof embedded === 'string' ? embedded : run.metadata.name!);
}

/** The record a finished run's status holds, under its collector id. */
export function recordFromStatus(run: PipelineRunResource, id: string): RunRecord | undefined {
  const s = run.status;
  const status = finishedStatus(run);
  if (!s || !status || !s.startTime) return undefined;
  const reason = s.conditions?.[0]?.reason;
  return {
    id,
    name: s.pipeline ?? pipelineNameOf(run),
    status,
    reason: reason && reason !== status ? reason : undefined,
    startedAt: s.startTime,
    finishedAt: s.completionTime,
    params: run.spec.params ?? {},
    tasks: s.taskRuns ?? [],
    ...(s.results && { results: s.results }),
    engine: 'kubernetes',
  };
}

/** When the run first started, from its status (a resumed run counts its timeout from there). */
export function startTimeOf(run: PipelineRunResource): number | undefined {
  const ms = run.status?.startTime ? Date.parse(run.status.startTime) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

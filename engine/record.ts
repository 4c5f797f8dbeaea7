// The engine state as a run record (contract/record.ts): what `kiln run --json` prints and
// what the reporter sends.
import type { ApprovalRecord, RunRecord, StepRecord, TaskRunRecord } from '../contract/index.js';
import type { ObservedStep } from './runtime.js';
import { taskRunName } from './names.js';
import { pipelineResults } from './plan.js';
import { keepsHistory } from './attempts.js';
import type { EngineState, Unit } from './types.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An approval gate not yet started: what it will ask (its message may still hold references). */
function waitingApproval(unit: Unit): ApprovalRecord | undefined {
  const spec = unit.task.approval;
  return spec && { message: spec.message, approvers: spec.approvers, onTimeout: spec.onTimeout };
}

function stepRecord(step: ObservedStep): StepRecord {
  return {
    name: step.name,
    status: step.status,
    exitCode: step.exitCode,
    reason: step.reason,
    startedAt: iso(step.startedAt),
    finishedAt: iso(step.finishedAt),
    cache: step.cache,
    logsComplete: step.logsComplete,
    logsUndelivered: step.logsUndelivered,
  };
}

function taskRecord(state: EngineState, unit: Unit): TaskRunRecord {
  // Steps not yet observed (pending, or the task was skipped) are listed from the spec.
  const steps = unit.steps.length
    ? unit.steps.map(stepRecord)
    : unit.task.steps.map((s): StepRecord => ({
        name: s.name,
        status: unit.status === 'Skipped' ? 'Skipped' : 'Pending',
        exitCode: null,
      }));
  return {
    name: unit.task.name,
    taskRun: unit.taskRun ?? taskRunName(state.input.runName, unit.task.name, unit.matrixIndex, 0),
    matrix: unit.matrix,
    status: unit.status,
    reason: unit.reason,
    ...(unit.message && { message: unit.message }),
    attempts: unit.taskRun ? unit.attempt + 1 : 0,
    results: unit.results,
    startedAt: iso(unit.startedAt),
    finishedAt: iso(unit.finishedAt),
    steps,
    finally: unit.finally || undefined,
    ...(keepsHistory(unit.task) && unit.history.length
      ? { history: unit.history.map((h) => ({ ...h, startedAt: iso(h.startedAt), finishedAt: iso(h.finishedAt) })) }
      : {}),
    needs: state.parents.get(unit.task.name)?.length ? state.parents.get(unit.task.name) : undefined,
    approval: unit.approval ?? waitingApproval(unit),
  };
}

export function runRecord(state: EngineState, engine: string): RunRecord {
  const { input } = state;
  return {
    id: input.runName,
    name: input.pipeline.name,
    status: state.finished?.status ?? 'Running',
    reason: state.finished?.reason,
    startedAt: iso(input.startedAt)!,
    finishedAt: iso(state.finished?.at),
    params: input.params,
    tasks: state.units.map((u) => taskRecord(state, u)),
    results: pipelineResults(state),
    engine,
    ...(input.pipeline.warnings && { warnings: input.pipeline.warnings }),
  };
}

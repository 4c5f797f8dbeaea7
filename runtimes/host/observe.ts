// What a task run's files say about it, as the runtime reports it. Pure: the facts (each step's
// termination message and how its agent ended) come in, ObservedStep/ObservedTaskRun go out.
import {
  failedStepMessage,
  type CancelReason,
  type ObservedStep,
  type ObservedTaskRun,
  type ResolvedStep,
} from '../../engine/index.js';
import { terminationReason, type StepTermination } from '../../contract/index.js';

export interface StepFacts {
  /** Undefined while the step's agent is still running. */
  exited?: { code: number | null; signal: string | null; at: number };
  termination?: StepTermination;
  /** Why the runtime stopped this step's agent while it waited (an earlier step left no post file). */
  released?: string;
}

const AGENT_REASONS: Record<string, ObservedStep['status']> = { Skipped: 'Skipped', TimeoutExceeded: 'TimedOut' };

function endedStep(step: ResolvedStep, facts: StepFacts, cancel: CancelReason | undefined): ObservedStep {
  const t = facts.termination;
  const base = {
    name: step.name,
    startedAt: t?.startedAt,
    finishedAt: facts.exited!.at,
    ...(t?.cache && { cache: t.cache }),
  };
  if (!t) {
    // The agent ended without a word: stopped by us, or it crashed.
    if (cancel) return { ...base, status: cancel, exitCode: null, reason: cancel };
    if (facts.released) return { ...base, status: 'Skipped', exitCode: null, reason: `Skipped: ${facts.released}` };
    const how = facts.exited!.signal ? `signal ${facts.exited!.signal}` : `exit code ${facts.exited!.code}`;
    return {
      ...base,
      status: 'Failed',
      exitCode: facts.exited!.code,
      reason: `AgentFailed: the agent ended with ${how} and no termination message`,
    };
  }
  const byReason = t.reason ? AGENT_REASONS[t.reason] : undefined;
  if (byReason === 'Skipped' && cancel) return { ...base, status: cancel, exitCode: null, reason: cancel };
  const status = byReason ?? (t.exitCode === 0 ? 'Succeeded' : (cancel ?? 'Failed'));
  return {
    ...base,
    status,
    exitCode: byReason === 'Skipped' ? null : (t.exitCode ?? null),
    reason: terminationReason(t),
  };
}

/** Each step's status; the first step not yet ended after a good run of ended ones is Running. */
export function observeSteps(
  steps: ResolvedStep[],
  facts: StepFacts[],
  cancel: CancelReason | undefined,
): ObservedStep[] {
  let running = false;
  return steps.map((step, i) => {
    const f = facts[i]!;
    if (f.exited) return endedStep(step, f, cancel);
    if (running) return { name: step.name, status: 'Pending', exitCode: null };
    running = true;
    return { name: step.name, status: 'Running', exitCode: null };
  });
}

const failedStep = (s: ObservedStep, step: ResolvedStep) =>
  (s.status === 'Failed' || s.status === 'TimedOut') && step.onError !== 'continue';

/** The task run as a whole once every step's agent has ended. */
export function observeTaskRun(
  name: string,
  steps: ResolvedStep[],
  facts: StepFacts[],
  cancel: CancelReason | undefined,
  startedAt: number,
): ObservedTaskRun {
  const observed = observeSteps(steps, facts, cancel);
  const results = Object.fromEntries(facts.flatMap((f) => Object.entries(f.termination?.results ?? {})));
  const stored = facts.flatMap((f) => f.termination?.stored ?? []);
  const finishedAt = Math.max(startedAt, ...facts.map((f) => f.exited?.at ?? 0));
  const base = { name, results, ...(stored.length && { stored }), steps: observed, startedAt, finishedAt };
  if (cancel) return { ...base, status: cancel, reason: cancel };
  const failedAt = observed.findIndex((s, i) => failedStep(s, steps[i]!));
  if (failedAt >= 0) {
    const s = observed[failedAt]!;
    return {
      ...base,
      status: 'Failed',
      reason: s.status === 'TimedOut' ? 'StepTimedOut' : 'StepFailed',
      message: failedStepMessage(s),
    };
  }
  return { ...base, status: 'Succeeded' };
}

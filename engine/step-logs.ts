// A task run's logs may reach the collector after its steps have ended (ObservedTaskRun.logsPending):
// the update that brings them changes nothing of the task run but its steps' log fields.
import type { ObservedStep } from './runtime.js';

/** Each step's logsComplete and logsUndelivered, as the update that brings them says. */
export function withStepLogs(steps: ObservedStep[], logs: ObservedStep[]): ObservedStep[] {
  return steps.map((s, i) => ({
    ...s,
    logsComplete: logs[i]?.logsComplete,
    logsUndelivered: logs[i]?.logsUndelivered,
  }));
}

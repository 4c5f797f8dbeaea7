// A duration flag of the agent's (-timeout, -timeout_grace, -deadline): the one grammar of
// contract/duration.ts, refused past what a Node timer can hold, since a longer delay fires at once.
import { MAX_TIMER_MS, parseDuration } from '../contract/index.js';
import { AgentUsageError } from './errors.js';

export function durationFlagValue(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new AgentUsageError(`flag ${flag}: "${value}" is not a duration (examples: 500ms, 10s, 1m30s, 2d)`, flag);
  if (ms > MAX_TIMER_MS) {
    throw new AgentUsageError(`flag ${flag}: "${value}" is longer than the agent can wait (at most 24d)`, flag);
  }
  return ms;
}

// Rewriting the texts of what a runtime runs: the step fields it may rewrite before a step runs
// (paths, result files; one list, so a new text field is rewritten everywhere or nowhere), and every
// string of a nested value (a probe, a taskRunSpecs override).
import type { ResolvedStep } from './runtime.js';

/** The step with `map` applied to its script, command, script arguments, env values, working
 * directory and stdout/stderr paths. */
export function mapStepText(step: ResolvedStep, map: (text: string) => string): ResolvedStep {
  return {
    ...step,
    ...(step.script !== undefined && { script: map(step.script) }),
    ...(step.command && { command: step.command.map(map) }),
    ...(step.scriptArgs && { scriptArgs: step.scriptArgs.map(map) }),
    env: Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, map(v)])),
    ...(step.workingDir !== undefined && { workingDir: map(step.workingDir) }),
    ...(step.stdoutPath !== undefined && { stdoutPath: map(step.stdoutPath) }),
    ...(step.stderrPath !== undefined && { stderrPath: map(step.stderrPath) }),
  };
}

/** `value` with `map` applied to every string in it, at any depth (arrays and plain objects). */
export function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, map)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)])) as T;
  return value;
}

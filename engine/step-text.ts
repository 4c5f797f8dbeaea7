// Every text of a planned step a runtime may rewrite before it runs (paths, result files): one
// list, so a new text field of a step is rewritten everywhere or nowhere.
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

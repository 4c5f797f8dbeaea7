// Every string of a task that may hold references: the DAG looks in them for result references.
import type { StepSpec, TaskSpec } from './model.js';

function stepStrings(step: StepSpec): string[] {
  const out = [...(step.command ?? []), ...step.args, ...Object.values(step.env)];
  for (const s of [step.image, step.script, step.workingDir]) if (s !== undefined) out.push(s);
  if (step.cache) out.push(step.cache.key, ...step.cache.restoreKeys, ...step.cache.paths);
  return out;
}

export function taskStrings(task: TaskSpec): string[] {
  const out: string[] = [...Object.values(task.env)];
  if (task.image !== undefined) out.push(task.image);
  for (const value of Object.values(task.params)) {
    if (typeof value === 'string') out.push(value);
    else out.push(...(Array.isArray(value) ? value : Object.values(value)));
  }
  for (const w of task.when) out.push(w.input, ...w.values);
  for (const values of Object.values(task.matrix ?? {})) out.push(...values);
  for (const step of task.steps) out.push(...stepStrings(step));
  return out;
}

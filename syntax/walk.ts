// Every string of a task that may hold references: the DAG looks in them for result references.
import type { ParamValue, StepSpec, TaskSpec } from './model.js';

/** The strings of a param value: itself, its items, or its fields' values. */
export function valueStrings(value: ParamValue): string[] {
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
}

export function stepStrings(step: StepSpec): string[] {
  const out = [...(step.command ?? []), ...step.args, ...Object.values(step.env)];
  for (const s of [step.image, step.script, step.workingDir, step.stdoutPath, step.stderrPath])
    if (s !== undefined) out.push(s);
  for (const m of step.volumeMounts ?? []) out.push(m.mountPath, ...(m.subPath ? [m.subPath] : []));
  for (const w of step.workspaces ?? []) if (w.mountPath !== undefined) out.push(w.mountPath);
  if (step.cache) out.push(step.cache.key, ...step.cache.restoreKeys, ...step.cache.paths);
  for (const w of step.when ?? []) out.push(w.input, ...w.values);
  for (const c of step.whenCel ?? []) out.push(c.expression);
  return out;
}

export function taskStrings(task: TaskSpec): string[] {
  const out: string[] = [...Object.values(task.env)];
  if (task.image !== undefined) out.push(task.image);
  for (const value of Object.values(task.params)) out.push(...valueStrings(value));
  for (const w of task.when) out.push(w.input, ...w.values);
  for (const c of [...(task.whenCel ?? []), ...(task.loop ? [task.loop.until] : [])]) out.push(c.expression);
  for (const values of Object.values(task.matrix ?? {})) out.push(...values);
  for (const entry of task.matrixInclude ?? []) out.push(...Object.values(entry.params));
  for (const step of task.steps) out.push(...stepStrings(step));
  return out;
}

// How a Tekton Task sees what it cannot read itself: the pipeline params and other tasks' results,
// statuses, matrix lengths and artifacts a task's strings reference become params of its Task, and
// its step text is rewritten to read them (the header of tekton.ts says why).
import { parseReference, referencesIn, substitute, type TaskSpec, taskStrings } from '../syntax/index.js';

export const resultParamName = (task: string, result: string) => `${task}-results-${result}`;

/**
 * A reference a Task cannot see inside its steps (another task's result or status): the param
 * that carries it, or undefined for references a Task resolves itself.
 */
function carriedParam(expr: string): { name: string; value: string; selector: string } | undefined {
  const r = parseReference(expr);
  if (r.kind === 'taskResult') {
    const selector = r.star ? '[*]' : r.index !== undefined ? `[${r.index}]` : r.key ? `.${r.key}` : '';
    return { name: resultParamName(r.task, r.result), value: `$(tasks.${r.task}.results.${r.result})`, selector };
  }
  if (r.kind === 'matrixLength')
    return {
      name: `${r.task}-matrix-${r.result ? `${r.result}-` : ''}length`,
      value: `$(tasks.${r.task}.matrix.${r.result ? `${r.result}.` : ''}length)`,
      selector: '',
    };
  if (r.kind === 'taskStatus')
    return { name: `${r.task}-${r.field}`, value: `$(tasks.${r.task}.${r.field})`, selector: '' };
  if (r.kind === 'tasksStatus') return { name: 'tasks-status', value: '$(tasks.status)', selector: '' };
  if (r.kind === 'taskArtifact')
    return {
      name: `${r.task}-${r.category}-${r.name}`,
      value: `$(tasks.${r.task}.${r.category}.${r.name})`,
      selector: '',
    };
  return undefined;
}

/** The pipeline params and carried references a task's strings use, by Tekton param name. */
export function inputsOf(task: TaskSpec): Map<string, string> {
  const inputs = new Map<string, string>();
  const matrix = matrixNames(task);
  // A param's value stays in the pipeline task as written (a matrix task's results read whole with
  // `[*]`, as Tekton requires): only the other strings need their references carried.
  for (const text of taskStrings({ ...task, params: {} })) {
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'param' && !(r.name in task.params) && !matrix.has(r.name))
        inputs.set(r.name, `$(params.${r.name})`);
      const carried = carriedParam(ref.expr);
      if (carried) inputs.set(carried.name, carried.value);
    }
  }
  return inputs;
}
/** Rewrites carried references to the params that carry them; a matrix value is a param in Tekton. */
export const rewrite = (text: string) =>
  substitute(text, (expr) => {
    const r = parseReference(expr);
    if (r.kind === 'matrix') return `$(params.${r.name})`;
    const carried = carriedParam(expr);
    return carried && `$(params.${carried.name}${carried.selector})`;
  });

/**
 * The params a task's matrix (its params and includes) gives each of its runs. Tekton refuses a
 * param given both there and under the pipeline task's params, so these go only in the matrix; the
 * Task declares them, with the default a combination that lacks one takes.
 */
export const matrixNames = (task: TaskSpec) =>
  new Set([...Object.keys(task.matrix ?? {}), ...(task.matrixInclude ?? []).flatMap((i) => Object.keys(i.params))]);

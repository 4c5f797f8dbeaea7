// A step's `when` as the task run starts: inputs and values substituted (an earlier step's result,
// `$(steps.s.results.r)`, stays for the step's agent to read when the step starts), and each CEL
// item decided now, folded into an expression the agent reads as it is: `true in [true]` or
// `false in [true]`. A CEL item that cannot be decided is left in whenCel: the engine fails the
// task run before its steps (invalidStepWhen).
import { evaluateCel } from './cel.js';
import type { StepSpec, WhenExpression } from './model.js';
import { expandArgs, substitute, type VariableResolver } from './references.js';

export function resolveStepWhen(step: StepSpec, resolve: VariableResolver): StepSpec {
  if (!step.when && !step.whenCel) return step;
  const { whenCel, ...rest } = step;
  const when: WhenExpression[] = (step.when ?? []).map((w) => ({
    ...w,
    input: substitute(w.input, resolve),
    values: expandArgs(w.values, resolve),
  }));
  const undecided = [];
  for (const cond of whenCel ?? []) {
    const outcome = evaluateCel(cond, resolve);
    if ('error' in outcome) undecided.push(cond);
    else
      when.push({
        input: String(outcome.value),
        operator: 'in',
        values: ['true'],
        cel: cond.expression,
        pos: cond.pos,
      });
  }
  return { ...rest, ...(when.length && { when }), ...(undecided.length && { whenCel: undecided }) };
}

/** The first step whose CEL `when` cannot be decided, with the reason (undefined: none). */
export function invalidStepWhen(steps: readonly StepSpec[], resolve: VariableResolver): string | undefined {
  for (const step of steps) {
    for (const cond of step.whenCel ?? []) {
      const outcome = evaluateCel(cond, resolve);
      if ('error' in outcome) return `step "${step.name}": when ${cond.expression}: ${outcome.error}`;
    }
  }
  return undefined;
}

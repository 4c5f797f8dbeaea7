// Step results as Tekton reads them: a step reads an earlier step's declared result in its command,
// args and env (Tekton's entrypoint replaces it there, never in a script); a Task's result may be fed
// by a step result (`results: [{name, value: $(steps.s.results.r)}]`), marked on its step, whose
// agent copies the step result to the task result.
import type { StepSpec } from '../model.js';
import { parseReference, referencesIn, stepIndexNamed, wholeReference } from '../references.js';
import { stepStrings } from '../walk.js';
import type { At, Source } from '../yaml-source.js';

/** Each `$(steps.s.results.r)` names an earlier step and a result it declares, outside scripts. */
export function checkStepResultReads(src: Source, steps: StepSpec[], what: string): void {
  steps.forEach((step, i) => {
    const at = step.pos ?? { file: '', line: 0, col: 0 };
    for (const text of stepStrings(step)) {
      for (const ref of referencesIn(text)) {
        const r = parseReference(ref.expr);
        if (r.kind !== 'stepResult' && r.kind !== 'stepArtifact') continue;
        const from = stepIndexNamed(steps, r.step);
        const where = `${what}.steps[${i}] ($(${ref.expr}))`;
        if (r.kind === 'stepArtifact') {
          // Read in a script too: the agent replaces it in the script's file (Tekton's entrypoint does).
          if (from === undefined || from >= i)
            src.error(
              at,
              `${where}: there is no earlier step "${r.step}"`,
              'a step reads the artifacts of the steps before it',
            );
          continue;
        }
        if (text === step.script)
          src.error(
            at,
            `${where}: a step result cannot be read in a script (Tekton replaces it only in env, command and args)`,
            `pass it in env: [{name: VALUE, value: "$(${ref.expr})"}] and read $VALUE in the script`,
          );
        else if (from === undefined || from >= i)
          src.error(
            at,
            `${where}: there is no earlier step "${r.step}"`,
            'a step reads the results of the steps before it',
          );
        else if (!steps[from]!.results?.includes(r.result))
          src.error(
            at,
            `${where}: step "${steps[from]!.name}" declares no result "${r.result}"`,
            `add results: [{name: ${r.result}}] to step "${steps[from]!.name}"`,
          );
      }
    }
  });
}

/** `$(steps.s.results.r)`, whole and without a selector: what a Task result's `value` may be. */
function stepResultValue(value: string): { step: string; result: string } | undefined {
  const r = wholeReference(value.trim());
  return r?.kind === 'stepResult' && !r.star && r.index === undefined && r.key === undefined ? r : undefined;
}

/** Marks on each step the task results its step results feed; a value of another form is an error. */
export function linkStepResults(
  src: Source,
  results: { name: string; fields: Map<string, At> }[],
  steps: StepSpec[],
  what: string,
): void {
  for (const result of results) {
    const at = result.fields.get('value');
    const value = src.string(at, `${what}.results.${result.name}.value`);
    if (value === undefined) continue;
    const ref = stepResultValue(value);
    const i = ref ? stepIndexNamed(steps, ref.step) : undefined;
    const step = i === undefined ? undefined : steps[i]!;
    if (!ref || !step) {
      src.error(
        at!.pos,
        ref
          ? `${what}.results.${result.name}.value: there is no step "${ref.step}"`
          : `${what}.results.${result.name}.value must be a step result, $(steps.STEP.results.NAME)`,
        'name a step of this task and a result it declares; or drop value: and write $(results.NAME.path) in a step',
      );
      continue;
    }
    if (!step.results?.includes(ref.result)) {
      src.error(
        at!.pos,
        `${what}.results.${result.name}.value: step "${step.name}" declares no result "${ref.result}"`,
        `add results: [{name: ${ref.result}}] to step "${step.name}"`,
      );
      continue;
    }
    step.taskResults = { ...step.taskResults, [ref.result]: result.name };
  }
}

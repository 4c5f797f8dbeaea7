// Tekton's step `when`: once the earlier steps have ended, the step's expressions are read with
// their step results replaced (as its command is); when one does not hold, the command is not
// run and the step ends Skipped, exit code 0, so the steps after it run (Tekton's entrypoint).
import type { StepWhen } from '../../contract/index.js';
import type { RunOutcome, RunRequest, Runner } from './core.js';
import { replaceStepResults, type StepResultRead } from './step-results.js';

export class StepWhenRunner implements Runner {
  constructor(
    private readonly inner: Runner,
    private readonly when: readonly StepWhen[],
    /** Absent when the task has no step results: the expressions are then read as given. */
    private readonly read: StepResultRead | undefined,
  ) {}

  prepare(): Promise<void> {
    return this.inner.prepare();
  }

  run(request: RunRequest): Promise<RunOutcome> {
    const failed = this.when.map((w) => substituted(w, this.read)).find((w) => !holds(w));
    if (!failed) return this.inner.run(request);
    const expression = failed.cel ?? `${failed.input} ${failed.operator} [${failed.values.join(', ')}]`;
    return Promise.resolve({ exitCode: 0, timedOut: false, skipped: `when expression "${expression}" is false` });
  }
}

/** The expression with its step results replaced (a value `$(steps.s.results.r[*])` expands). */
function substituted(w: StepWhen, read: StepResultRead | undefined): StepWhen {
  const sub = (text: string) => (read ? replaceStepResults(text, read) : [text]);
  return { ...w, input: sub(w.input).join(' '), values: w.values.flatMap(sub) };
}

const holds = (w: StepWhen): boolean => w.values.includes(w.input) === (w.operator === 'in');

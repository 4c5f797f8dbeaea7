// A step's `onError`: `continue`, `stopAndFail`, or (Tekton) a param reference such as
// `$(params.on-error)` resolved per run. The reference is kept as written (`onErrorParam`) until the
// task run's params are known; a value that is neither choice then fails the task run, as Tekton's
// validation of the substituted step does (resolveStepOnError, in references.ts with substitution).
import { STEP_ON_ERROR } from '../contract/index.js';
import type { TextReader } from './common.js';
import type { StepSpec } from './model.js';
import type { At } from './yaml-source.js';

/** Tekton's test for a param reference in `onError` (isParamRefs): the value starts with `$(params.`. */
const PARAM_REF = /^\$\(params\./;

/** Reads `onError` into the step: the choice, or the param reference it is resolved from later. */
export function readStepOnError(
  reader: TextReader,
  at: At | undefined,
  what: string,
): Pick<StepSpec, 'onError' | 'onErrorParam'> {
  const written = reader.src.string(at, what);
  if (written !== undefined && PARAM_REF.test(written)) {
    reader.text(at, what);
    return { onError: 'stopAndFail', onErrorParam: written };
  }
  return { onError: (written !== undefined && reader.src.choice(at, what, STEP_ON_ERROR)) || 'stopAndFail' };
}

// A step's onError from a param: read in both syntaxes, checked as a reference, resolved per run.
import { describe, expect, it } from 'vitest';
import { invalidStepOnError, makeResolver, parsePipelineText, substituteStep } from '../../syntax/index.js';
import { brief, diagnosticsOf } from './helpers.js';

const kiln = `name: p
params:
  mode: { default: continue }
tasks:
  t:
    steps:
      - name: s
        run: exit 1
        onError: $(params.mode)
`;

describe("a step's onError from a param", () => {
  it('is kept as written until the run, then folds into onError', () => {
    const step = parsePipelineText(kiln).pipeline.tasks[0]!.steps[0]!;
    expect(step).toMatchObject({ onError: 'stopAndFail', onErrorParam: '$(params.mode)' });
    const resolved = substituteStep(step, makeResolver({ params: { mode: 'continue' } }));
    expect(resolved.onError).toBe('continue');
    expect(resolved).not.toHaveProperty('onErrorParam');
  });

  it('a value that is no choice is named with the step, the reference and the value', () => {
    const step = parsePipelineText(kiln).pipeline.tasks[0]!.steps[0]!;
    expect(invalidStepOnError([step], makeResolver({ params: { mode: 'sometimes' } }))).toBe(
      'step "s": onError $(params.mode) is "sometimes", which is neither continue nor stopAndFail',
    );
    expect(invalidStepOnError([step], makeResolver({ params: { mode: 'stopAndFail' } }))).toBeUndefined();
  });

  it('an undeclared param, or a value neither a choice nor a param reference, is an error', () => {
    const tekton = (onError: string) =>
      `apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: { name: r }\nspec:\n  taskSpec:\n    steps:\n      - name: s\n        image: busybox\n        onError: "${onError}"\n        script: "true"\n`;
    expect(diagnosticsOf(tekton('$(params.nope)')).map(brief)).toEqual([
      '9:19 $(params.nope): no param "nope" is declared',
    ]);
    expect(diagnosticsOf(tekton('sometimes')).map(brief)).toEqual([
      '9:18 spec.taskSpec.steps[0].onError: "sometimes" is not one of continue, stopAndFail',
    ]);
  });
});

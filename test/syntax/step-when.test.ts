// A Tekton step's `when`: read in the step's scope, resolved when the task run starts (CEL decided
// then), refused where Kiln cannot honour it (a CEL item reading a step result).
import { describe, expect, it } from 'vitest';
import { invalidStepWhen, makeResolver, parsePipelineText, resolveStepWhen } from '../../syntax/index.js';
import { brief, diagnosticsOf } from './helpers.js';

const taskRun = (when: string) => `apiVersion: tekton.dev/v1
kind: TaskRun
metadata: { name: r }
spec:
  params:
    - { name: mode, value: fast }
  taskSpec:
    params:
      - name: mode
    steps:
      - name: make
        image: busybox
        results: [{ name: out }]
        script: "true"
      - name: s
        image: busybox
        script: "true"
        when:
${when}
`;

describe("a Tekton step's when", () => {
  it('is read, then substituted and its CEL decided when the task run starts', () => {
    const { pipeline } = parsePipelineText(
      taskRun(`          - { input: "$(steps.make.results.out)", operator: in, values: ["$(params.mode)"] }
          - cel: "'$(params.mode)' == 'slow'"`),
    );
    const step = pipeline.tasks[0]!.steps[1]!;
    expect(step.when).toMatchObject([
      { input: '$(steps.make.results.out)', operator: 'in', values: ['$(params.mode)'] },
    ]);
    expect(step.whenCel).toMatchObject([{ expression: "'$(params.mode)' == 'slow'" }]);
    const resolved = resolveStepWhen(step, makeResolver({ params: { mode: 'fast' } }));
    expect(resolved.whenCel).toBeUndefined();
    expect(resolved.when).toMatchObject([
      // A step result stays for the agent to read when the step starts.
      { input: '$(steps.make.results.out)', operator: 'in', values: ['fast'] },
      { input: 'false', operator: 'in', values: ['true'], cel: "'$(params.mode)' == 'slow'" },
    ]);
  });

  it('a CEL item that cannot be decided is named with its step; the task run fails on it', () => {
    const { pipeline } = parsePipelineText(taskRun(`          - cel: "'a' > 1"`));
    const step = pipeline.tasks[0]!.steps[1]!;
    expect(resolveStepWhen(step, makeResolver({})).whenCel).toHaveLength(1);
    expect(invalidStepWhen([step], makeResolver({}))).toMatch(/^step "s": when 'a' > 1: /);
  });

  it('refuses a CEL item reading a step result, and a result of a later or unknown step', () => {
    expect(diagnosticsOf(taskRun(`          - cel: "'$(steps.make.results.out)' == 'x'"`)).map(brief)).toEqual([
      expect.stringMatching(/spec\.taskSpec\.steps\[1\]\.when: a CEL item cannot read a step result/),
    ]);
    expect(
      diagnosticsOf(taskRun(`          - { input: "$(steps.later.results.out)", operator: in, values: [x] }`)).map(
        brief,
      ),
    ).toEqual([expect.stringMatching(/there is no earlier step "later"/)]);
  });

  it("reads an undeclared workspace's bound as false, a declared one's as written", () => {
    const { pipeline } = parsePipelineText(
      taskRun(`          - { input: "$(workspaces.nowhere.bound)", operator: in, values: ["true"] }`),
    );
    expect(pipeline.tasks[0]!.steps[1]!.when).toMatchObject([{ input: 'false' }]);
  });
});

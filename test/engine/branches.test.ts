// Branches: `needs: [{task, on: [...]}]` read from Kiln YAML and run on the fake runtime — a CEL
// condition picks one of two sub-DAGs, the other is skipped whole, and the task after the join
// runs once; a failure accepted by `on: [failed]` runs its handler and does not fail the run.
import { describe, expect, it } from 'vitest';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { runFake } from '../../testkit/pipelines.js';

const BRANCHES = `
name: blue-green
tasks:
  pick:
    results: [colour]
    steps: [{ run: "echo blue > $(results.colour.path)" }]
  deploy-blue:
    when: [{ cel: "'$(tasks.pick.results.colour)' == 'blue'" }]
    steps: [{ run: "true" }]
  smoke-blue:
    needs: [{ task: deploy-blue, on: [succeeded] }]
    steps: [{ run: "true" }]
  deploy-green:
    when: [{ cel: "'$(tasks.pick.results.colour)' == 'green'" }]
    steps: [{ run: "true" }]
  smoke-green:
    needs: [{ task: deploy-green, on: [succeeded] }]
    steps: [{ run: "true" }]
  announce:
    needs:
      - { task: smoke-blue, on: [succeeded, skipped] }
      - { task: smoke-green, on: [succeeded, skipped] }
    steps: [{ run: "true" }]
`;

describe('branches', () => {
  it.each(['blue', 'green'])('a condition picks the %s sub-DAG; the join runs once', async (colour) => {
    const { pipeline } = parsePipelineText(BRANCHES);
    const { record, one, runtime } = await runFake(pipeline, {
      script: (plan) => (plan.task === 'pick' ? { results: { colour } } : {}),
    });
    const other = colour === 'blue' ? 'green' : 'blue';
    expect(record.status).toBe('Succeeded');
    expect(one(`deploy-${colour}`).status).toBe('Succeeded');
    expect(one(`smoke-${colour}`).status).toBe('Succeeded');
    expect(one(`deploy-${other}`)).toMatchObject({ status: 'Skipped', reason: 'WhenExpressionsFalse' });
    expect(one(`smoke-${other}`)).toMatchObject({ status: 'Skipped', reason: 'NeedsNotMet' });
    expect(one('announce').status).toBe('Succeeded');
    expect(runtime.starts.filter((s) => s.task === 'announce')).toHaveLength(1);
  });

  it('a plain need still runs after a skipped task (Tekton), not after a handled failure', async () => {
    const { pipeline } = parsePipelineText(`
name: p
tasks:
  deploy: { steps: [{ run: "true" }] }
  rollback:
    needs: [{ task: deploy, on: [failed] }]
    steps: [{ run: "true" }]
  smoke:
    needs: [deploy]
    steps: [{ run: "true" }]
`);
    const failing = await runFake(pipeline, { script: (plan) => (plan.task === 'deploy' ? { status: 'Failed' } : {}) });
    expect(failing.one('deploy').status).toBe('Failed');
    expect(failing.one('rollback').status).toBe('Succeeded');
    expect(failing.one('smoke')).toMatchObject({ status: 'Skipped', reason: 'NeedsNotMet' });
    expect(failing.record.status).toBe('Succeeded');
    const passing = await runFake(pipeline);
    expect(passing.one('rollback')).toMatchObject({ status: 'Skipped', reason: 'NeedsNotMet' });
    expect(passing.one('smoke').status).toBe('Succeeded');
  });

  it.each([
    ['needs: [{ task: a, on: [done] }]', '"done" is not one of succeeded, failed, skipped'],
    ['needs: [{ task: nope, on: [failed] }]', 'there is no task "nope"'],
    ['needs: [{ on: [failed] }]', 'has no task'],
    ['needs: [{ task: a, on: [] }]', 'lists no state'],
  ])('refuses %s', (line, message) => {
    let err: unknown;
    try {
      parsePipelineText(
        `name: p\ntasks:\n  a: { steps: [{ run: "true" }] }\n  b:\n    ${line}\n    steps: [{ run: "true" }]\n`,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain(message);
  });
});

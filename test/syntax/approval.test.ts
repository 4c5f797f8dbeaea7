// Approval gates in both syntaxes: Kiln's `approval:` and Tekton's custom task reference read into
// the same model; what cannot go with an approval is refused with its position and a hint.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exportToTekton } from '../../export/index.js';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { seededRandom } from '../../testkit/random.js';
import { brief, diagnosticsOf } from './helpers.js';

const KILN = `
name: release
params: { version: { default: "1.0" } }
tasks:
  build:
    steps: [{ run: make }]
  gate:
    needs: [build]
    approval: { message: "ship $(params.version)?", approvers: [release-team], timeout: 2h, onTimeout: approve }
  ship:
    needs: [gate]
    steps: [{ run: make ship }]
`;

const TEKTON = `
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: { name: release }
spec:
  params: [{ name: version, default: "1.0" }]
  tasks:
    - name: build
      taskSpec: { steps: [{ name: make, image: alpine, script: make }] }
    - name: gate
      runAfter: [build]
      timeout: 2h
      taskRef: { apiVersion: kiln.dev/v1alpha1, kind: Approval }
      params:
        - { name: message, value: "ship $(params.version)?" }
        - { name: approvers, value: [release-team] }
        - { name: onTimeout, value: approve }
`;

describe('approval gates', () => {
  it('Kiln and Tekton spellings read into the same task', () => {
    const kiln = parsePipelineText(KILN).pipeline.tasks.find((t) => t.name === 'gate')!;
    const tekton = parsePipelineText(TEKTON).pipeline.tasks.find((t) => t.name === 'gate')!;
    const want = {
      message: 'ship $(params.version)?',
      approvers: ['release-team'],
      timeoutMs: 2 * 3600_000,
      onTimeout: 'approve',
    };
    expect(kiln.approval).toEqual(want);
    expect(tekton.approval).toEqual(want);
    for (const t of [kiln, tekton]) {
      expect(t.steps).toEqual([]);
      expect(t.needs).toEqual(['build']);
      expect(t.timeoutMs).toBeUndefined();
    }
  });

  it('kiln export writes the gate as the custom task reference, which reads back the same', () => {
    const kiln = parsePipelineText(KILN.replace(/image: .*/, '')).pipeline;
    for (const t of kiln.tasks) for (const st of t.steps) st.image = 'alpine';
    const docs = exportToTekton(kiln);
    expect(docs.filter((d) => d.kind === 'Task').map((d) => (d.metadata as { name: string }).name)).toEqual([
      'release-build',
      'release-ship',
    ]);
    const back = parsePipelineText(docs.map((d) => stringify(d)).join('---\n'), 'exported.yaml').pipeline;
    expect(back.tasks.find((t) => t.name === 'gate')!.approval).toEqual(kiln.tasks[1]!.approval);
  });

  it('defaults: a message naming the task, any named token, fail on timeout, no timeout of its own', () => {
    const gate = parsePipelineText('name: p\ntasks:\n  gate:\n    approval: {}\n').pipeline.tasks[0]!;
    expect(gate.approval).toEqual({ message: 'approve gate?', approvers: [], onTimeout: 'fail' });
  });

  it('refuses what an approval cannot have, where it is written', () => {
    const d = diagnosticsOf(`name: p
tasks:
  gate:
    steps: [{ run: x }]
    timeout: 1h
    approval: { onTimeout: skip, timeout: soon, when: x }
`).map(brief);
    expect(d).toEqual([
      '4:12 tasks.gate: steps cannot be given with approval:',
      '5:14 tasks.gate: timeout cannot be given with approval:',
      '6:28 tasks.gate.approval.onTimeout: "skip" is not one of fail, approve',
      '6:43 tasks.gate.approval.timeout: "soon" is not a duration',
      '6:49 tasks.gate.approval: unknown key "when"',
    ]);
  });

  it("refuses a custom task other than Kiln's Approval, and an Approval param it does not know", () => {
    const other = TEKTON.replace('kind: Approval', 'kind: Wait');
    expect(diagnosticsOf(other).map((d) => d.message)).toEqual([
      'Pipeline release.tasks[1].taskRef: custom task kiln.dev/v1alpha1/Wait is not supported',
    ]);
    const extra = TEKTON.replace('- { name: onTimeout, value: approve }', '- { name: approver, value: x }');
    expect(diagnosticsOf(extra).map((d) => d.message)).toEqual([
      'Pipeline release.tasks[1]: an Approval has no param "approver"',
    ]);
    const objectApprovers = TEKTON.replace('value: [release-team]', 'value: { team: release }');
    expect(diagnosticsOf(objectApprovers).map((d) => d.message)).toEqual([
      'Pipeline release.tasks[1]: param approvers must be an array of names or groups, not an object',
    ]);
  });

  it('fuzz: any value in any approval field is read or refused with SpecError, never a crash', () => {
    const r = seededRandom(1818);
    const values: unknown[] = [
      '',
      'x',
      '2h',
      '-1s',
      '99999h',
      'fail',
      'approve',
      'skip',
      0,
      3.5,
      true,
      null,
      [],
      ['a', 1],
      [[]],
      {},
      { a: 'b' },
      '$(params.version)',
      '$(tasks.build.results.x)',
      '\u0000',
      '💥',
    ];
    const pick = () => values[Math.floor(r() * values.length)];
    const keys = ['message', 'approvers', 'timeout', 'onTimeout', 'when', 'steps'];
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      const fields = Object.fromEntries(keys.filter(() => r() < 0.5).map((k) => [k, pick()]));
      const kiln = stringify({
        name: 'p',
        params: { version: { default: '1' } },
        tasks: { build: { steps: [{ run: 'x' }] }, gate: { needs: ['build'], approval: r() < 0.1 ? pick() : fields } },
      });
      const tekton = stringify({
        apiVersion: 'tekton.dev/v1',
        kind: 'Pipeline',
        metadata: { name: 'p' },
        spec: {
          tasks: [
            {
              name: 'gate',
              taskRef:
                r() < 0.2
                  ? { kind: pick(), apiVersion: pick() }
                  : { apiVersion: 'kiln.dev/v1alpha1', kind: 'Approval' },
              ...(r() < 0.5 ? { timeout: pick() } : {}),
              params: Object.entries(fields).map(([name, value]) => ({ name, value })),
            },
          ],
        },
      });
      for (const text of [kiln, tekton]) {
        try {
          parsePipelineText(text, 'fuzz.yaml');
        } catch (err) {
          if (!(err instanceof SpecError)) throw new Error(`crashed on ${JSON.stringify(text)}`, { cause: err });
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(100);
  });
});

// Sidecars in Kiln syntax: Tekton's sidecar fields, read by the same reader (syntax/tekton/sidecars.ts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineFiles } from '../../syntax/index.js';
import { exportToArgo, exportToGitHubActions, exportToTekton, tektonYaml } from '../../export/index.js';
import { brief, diagnosticsOf, FIXTURES } from './helpers.js';

const pipelineWith = (task: string) => `name: p\nworkspaces: [source]\ntasks:\n  t:\n${task}`;

describe('Kiln syntax: sidecars', () => {
  it('reads a sidecar with its script, env, workspace and readinessProbe', () => {
    const { pipeline } = loadPipelineFiles([join(FIXTURES, 'kiln-sidecar.yaml')]);
    const [sidecar] = pipeline.tasks[0]!.sidecars!;
    expect(sidecar).toMatchObject({
      name: 'server',
      env: { MODE: 'test' },
      workspaces: [{ name: 'source', mountPath: '/srv' }],
      readinessProbe: { httpGet: { path: '/ping', port: 18080 }, periodSeconds: 1 },
    });
    expect(sidecar!.script).toContain('httpd -f -p $(params.port)');
  });

  it('refuses what Tekton sidecars refuse, and what a Kiln task cannot have, at the line', () => {
    const errors = diagnosticsOf(
      pipelineWith(`    image: busybox
    sidecars:
      - name: s
        command: [sleep, "9"]
        livenessProbe: { exec: { command: ["true"] } }
      - name: v
        command: [sleep, "9"]
        volumeMounts: [{ name: data, mountPath: /data }]
        workspaces: [{ name: sources }]
    steps: [{ run: "true" }]
`),
    ).map(brief);
    expect(errors).toEqual([
      expect.stringMatching(/^9:9 .*livenessProbe/),
      expect.stringMatching(/^10:9 .*sidecar "v" has volumeMounts, but a Kiln task has no volumes/),
      expect.stringMatching(/^10:9 .*step "v" names workspace "sources"/),
    ]);
  });

  it('goes with steps only, not with uses: or approval:', () => {
    const errors = diagnosticsOf(
      pipelineWith(`    uses: notify/slack
    sidecars: [{ name: s, command: [sleep, "9"] }]
`),
    ).map(brief);
    expect(errors).toContainEqual(expect.stringMatching(/^6:15 .*sidecars go with steps:/));
    const gate = diagnosticsOf(
      pipelineWith(`    approval: { message: ok? }
    sidecars: [{ name: s, command: [sleep, "9"] }]
`),
    ).map(brief);
    expect(gate).toEqual([expect.stringMatching(/^6:15 .*sidecars cannot be given with approval:/)]);
  });

  it('is exported to Tekton, and refused with the reason by Argo and GitHub Actions', () => {
    const { pipeline } = loadPipelineFiles([join(FIXTURES, 'kiln-sidecar.yaml')]);
    const task = exportToTekton(pipeline).find((d) => d.kind === 'Task') as { spec: { sidecars: unknown[] } };
    expect(task.spec.sidecars).toEqual([
      expect.objectContaining({ name: 'server', readinessProbe: expect.objectContaining({ periodSeconds: 1 }) }),
    ]);
    expect(tektonYaml([task])).toContain('$(params.port)');
    expect(() => exportToArgo(pipeline)).toThrow(/without waiting for its sidecars to be ready/);
    expect(() => exportToGitHubActions(pipeline)).toThrow(/runs each image's own entrypoint/);
  });
});

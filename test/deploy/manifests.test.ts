// deploy/: every manifest parses, kustomization lists files that exist, the CRD schemas accept
// the examples and what the controller writes, and reject malformed runs with the field named.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { validate, type Schema } from '../controller/openapi-validate.js';

const DEPLOY = new URL('../../deploy/', import.meta.url).pathname;
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
const docs = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS() as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
  });
const crdSchema = (name: string): Schema => {
  const crd = docs(join(DEPLOY, 'manifests/crds', `${name}.yaml`))[0] as unknown as {
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
  };
  return crd.spec.versions[0].schema.openAPIV3Schema;
};

describe('deploy manifests', () => {
  it('parse, and each document has apiVersion, kind and a name', () => {
    const files = walk(join(DEPLOY, 'manifests'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      for (const d of docs(file)) {
        expect(d.apiVersion, file).toBeTruthy();
        expect(d.kind, file).toBeTruthy();
        expect(d.metadata.name, file).toBeTruthy();
      }
    }
  });

  it('kustomization lists every manifest, each of which exists', () => {
    const k = parse(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    for (const r of k.resources) expect(existsSync(join(DEPLOY, r)), r).toBe(true);
    const listed = new Set(k.resources.map((r) => join(DEPLOY, r)));
    for (const f of walk(join(DEPLOY, 'manifests'))) expect(listed.has(f), f).toBe(true);
  });

  it('runs every workload non-root without privilege escalation', () => {
    const workloads = walk(join(DEPLOY, 'manifests'))
      .flatMap(docs)
      .filter((d) => d.kind === 'Deployment');
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['kiln-collector', 'kiln-controller']);
    for (const w of workloads) {
      const pod = (
        w.spec as {
          template: {
            spec: {
              securityContext: { runAsNonRoot: boolean };
              containers: { securityContext: { allowPrivilegeEscalation: boolean } }[];
            };
          };
        }
      ).template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of pod.containers) expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    }
  });

  it('grants the controller no wildcard and no secret reads', () => {
    const role = docs(join(DEPLOY, 'manifests/rbac.yaml')).find(
      (d) => d.kind === 'ClusterRole' && d.metadata.name === 'kiln-controller',
    ) as unknown as { rules: { resources: string[]; verbs: string[] }[] };
    for (const r of role.rules) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      if (r.resources.includes('secrets')) expect(r.verbs).toEqual(['create']);
    }
  });
});

describe('CRD schemas', () => {
  const runSchema = crdSchema('pipelineruns.kiln.dev');
  const pipelineSchema = crdSchema('pipelines.kiln.dev');
  const triggerSchema = crdSchema('triggers.kiln.dev');

  it('accept the examples', () => {
    for (const file of walk(join(DEPLOY, 'examples'))) {
      for (const d of docs(file)) {
        const schema = d.kind === 'Pipeline' ? pipelineSchema : d.kind === 'Trigger' ? triggerSchema : runSchema;
        expect(validate(d, schema), file).toEqual([]);
      }
    }
  });

  it('accept the status the controller writes', () => {
    const run = {
      apiVersion: 'kiln.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: 'x' },
      spec: { pipelineRef: { name: 'p' }, status: 'Cancelled' },
      status: {
        conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded', lastTransitionTime: 'now' }],
        archived: true,
        taskRuns: [],
      },
    };
    expect(validate(run, runSchema)).toEqual([]);
    expect(validate({ ...run, spec: { pipelineRef: { name: 'p' }, status: 'PipelineRunPending' } }, runSchema)).toEqual(
      [],
    );
  });

  it('accept the delivery log the controller writes, and refuse an unknown outcome', () => {
    const schema = crdSchema('triggerdeliveries.kiln.dev');
    const d = (spec: object) => ({
      apiVersion: 'kiln.dev/v1alpha1',
      kind: 'TriggerDelivery',
      metadata: { generateName: 'web-' },
      spec: { trigger: 'web', deliveryId: 'd-1', receivedAt: '2026-01-01T00:00:00.000Z', ...spec },
    });
    expect(
      validate(d({ outcome: 'accepted', event: 'push', branch: 'main', sha: 'ab', runId: 'web-0123456789' }), schema),
    ).toEqual([]);
    expect(validate(d({ outcome: 'refused', reason: 'no x-hub-signature-256 header' }), schema)).toEqual([]);
    expect(validate(d({ outcome: 'lost' }), schema)).toEqual([
      'spec.outcome: "lost" is not one of ["accepted","filtered","refused"]',
    ]);
  });

  it('reject malformed runs, naming the field', () => {
    const bad = (spec: unknown) =>
      validate({ apiVersion: 'kiln.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'x' }, spec }, runSchema);
    expect(bad({ pipelineRef: { name: 'p' }, pipelineSpec: { tasks: {} } })).toEqual([
      'spec: must match exactly one of ["pipelineRef"], ["pipelineSpec"] (matches 2)',
    ]);
    expect(bad({})).toEqual(['spec: must match exactly one of ["pipelineRef"], ["pipelineSpec"] (matches 0)']);
    expect(bad({ pipelineRef: {} })).toEqual(['spec.pipelineRef: "name" is required']);
    expect(bad({ pipelineRef: { name: 'p' }, status: 'Stopped' })).toEqual([
      'spec.status: "Stopped" is not one of ["Cancelled","PipelineRunPending"]',
    ]);
    expect(bad({ pipelineRef: { name: 'p' }, timeout: '5 minutes' })[0]).toMatch(
      /^spec.timeout: "5 minutes" does not match/,
    );
    expect(bad({ pipelineRef: { name: 'p' }, workspaces: { src: { persistentVolumeClaim: {} } } })).toEqual([
      'spec.workspaces.src.persistentVolumeClaim: "claimName" is required',
    ]);
    expect(bad({ pipelineRef: { name: 'p' }, retries: 3 })).toEqual(['spec: unknown field "retries"']);
    expect(
      validate({ apiVersion: 'kiln.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'x' } }, runSchema),
    ).toEqual(['<root>: "spec" is required']);
  });
});

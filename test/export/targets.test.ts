// Export to GitHub Actions, Argo and Tekton, each checked by the target's own validator:
// actionlint (built from its Go module) for the workflow, Argo's published JSON schema (from its Go
// module, made strict: test/tools/argo-schema) for the Workflow; plus what maps to what — needs,
// conditions, matrix (withParam for a run-time list), retries with backoff, timeouts, the cache
// (actions/cache; kiln-agent in Tekton), results through outputs — and what each refuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExportError, exportToArgo, exportToGitHubActions, exportToTekton } from '../../export/index.js';
import { loadPipelineFiles, parsePipelineText } from '../../syntax/index.js';
import { actionlint, argoSchema } from '../../testkit/go-tools.js';
import { REPO } from '../../testkit/kiln-cli.js';
import { runKiln } from '../../testkit/log-proxy-pod.js';
import { validate } from './validate.js';

const RICH = `
name: rich
params:
  env: { default: staging }
  targets: { type: array, default: [linux, darwin] }
timeout: 1h
tasks:
  build:
    image: golang:1.22
    timeout: 10m
    retries: { count: 3, backoff: { delay: 10s, factor: 2, max: 5m }, on: [failure, timeout] }
    results: [digest]
    env: { CGO_ENABLED: "0" }
    steps:
      - name: compile
        run: go build ./... && sha256sum app > $(results.digest.path)
        cache: { key: "go-$(hashFiles('go.sum'))", restore-keys: [go-], paths: [.gocache], policy: pull-push }
      - name: vet
        command: [go, vet, ./...]
        timeout: 2m
  test:
    image: golang:1.22
    needs: [build]
    matrix: { os: [linux, darwin], arch: [amd64, arm64] }
    steps: [{ run: "GOOS=$(matrix.os) GOARCH=$(matrix.arch) go test ./..." }]
  per-target:
    image: alpine:3.20
    needs: [build]
    matrix: { target: ["$(params.targets[*])"] }
    steps: [{ run: "echo build $(matrix.target) from $(tasks.build.results.digest)" }]
  deploy:
    image: alpine:3.20
    when: ["$(params.env) in [prod, staging]"]
    needs: [{ task: test, on: [succeeded] }]
    steps: [{ run: "echo deploy $(tasks.build.results.digest) to $(params.env)" }]
  announce:
    image: alpine:3.20
    needs: [{ task: deploy, on: [succeeded, skipped] }]
    steps: [{ run: "echo done" }]
finally:
  report:
    image: alpine:3.20
    steps: [{ run: "echo run $(tasks.status)" }]
results:
  digest: $(tasks.build.results.digest)
`;

let dir: string;
let schema: { bin: string; schema: string };
let lint: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-export-'));
  lint = actionlint();
  schema = argoSchema();
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lintWorkflow = (doc: object, name: string) => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 }));
  return validate(lint, ['-no-color', file]);
};
const checkArgo = (doc: object, name: string) => {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return validate(schema.bin, [schema.schema, file]);
};
const rich = () => parsePipelineText(RICH, 'rich.yaml').pipeline;
const nodeApp = () => loadPipelineFiles([join(REPO, 'examples/node-app/pipeline.yaml')]).pipeline;
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the validators catch what they should', () => {
  it('actionlint and the strict Argo schema each refuse a misspelt key', () => {
    expect(
      lintWorkflow(
        { on: 'push', jobs: { a: { 'runs-on': 'x', steps: [{ run: 'true' }], 'timeout-minute': 1 } } },
        'bad',
      ),
    ).toContain('unexpected key "timeout-minute"');
    const { doc } = exportToArgo(rich());
    const bad = structuredClone(doc) as Any;
    bad.spec.templates[0].dag.tasks[0].dependz = 'x';
    expect(checkArgo(bad, 'bad')).toContain("additional properties 'dependz' not allowed");
  });
});

describe('GitHub Actions', () => {
  it('exports the rich pipeline and examples/node-app as workflows actionlint accepts', () => {
    for (const [name, p] of [
      ['rich', rich()],
      ['node-app', nodeApp()],
    ] as const) {
      expect(lintWorkflow(exportToGitHubActions(p).doc, `gha-${name}`)).toBe('');
    }
  });

  it('maps needs, if, matrix, timeouts, the cache and results; notes what it approximates', () => {
    const { doc, notes } = exportToGitHubActions(rich());
    const jobs = doc.jobs as Any;
    expect(jobs.build['timeout-minutes']).toBe(10);
    expect(jobs.build.outputs).toEqual({ digest: '${{ steps.kiln-results.outputs.digest }}' });
    expect(jobs.build.steps.find((s: Any) => s.uses === 'actions/cache@v4').with).toEqual({
      key: "go-${{ hashFiles('go.sum') }}",
      'restore-keys': 'go-',
      path: '.gocache',
    });
    expect(jobs.test.strategy).toEqual({
      'fail-fast': false,
      matrix: { os: ['linux', 'darwin'], arch: ['amd64', 'arm64'] },
    });
    expect(jobs['per-target'].strategy.matrix.target).toBe('${{ fromJSON(inputs.targets) }}');
    expect(jobs.deploy.needs).toEqual(['test', 'build']);
    expect(jobs.deploy.if).toBe(
      "${{ !cancelled() && contains(fromJSON('[\"success\"]'), needs.test.result) && contains(fromJSON('[\"success\"]'), needs.build.result) && (inputs.env == 'prod' || inputs.env == 'staging') }}",
    );
    expect(jobs.deploy.steps[0].run).toBe('echo deploy ${{ needs.build.outputs.digest }} to ${{ inputs.env }}');
    expect(jobs.report.if).toBe('${{ always() }}');
    expect(notes).toContain('retries (build): a job runs once in GitHub Actions; rerun failed jobs by hand');
    expect(notes).toContain('the pipeline timeout: a workflow has none (each job keeps its own)');
  });
});

describe('Argo Workflows', () => {
  it("exports the rich pipeline and examples/node-app as Workflows Argo's schema accepts", () => {
    for (const [name, p] of [
      ['rich', rich()],
      ['node-app', nodeApp()],
    ] as const) {
      expect(checkArgo(exportToArgo(p, { defaultImage: 'busybox:1.36' }).doc, `argo-${name}`)).toBe('');
    }
  });

  it('maps depends, when, withItems, withParam, retryStrategy with backoff, timeouts and outputs', () => {
    const { doc } = exportToArgo(rich());
    const spec = doc.spec as Any;
    const dag = Object.fromEntries(spec.templates[0].dag.tasks.map((t: Any) => [t.name, t]));
    const tpl = Object.fromEntries(spec.templates.map((t: Any) => [t.name, t]));
    expect(spec.activeDeadlineSeconds).toBe(3600);
    expect(spec.onExit).toBe('kiln-finally');
    expect(dag.deploy.depends).toBe('(test.Succeeded) && (build.Succeeded)');
    expect(dag.announce.depends).toBe('(deploy.Succeeded || deploy.Skipped)');
    expect(dag.deploy.when).toBe(
      "('{{workflow.parameters.env}}' == 'prod' || '{{workflow.parameters.env}}' == 'staging')",
    );
    expect(dag.test.withItems).toHaveLength(4);
    expect(dag['per-target'].withParam).toBe('{{workflow.parameters.targets}}');
    expect(dag['per-target'].arguments.parameters).toContainEqual({ name: 'target', value: '{{item}}' });
    expect(tpl['task-build'].retryStrategy).toEqual({
      limit: '3',
      retryPolicy: 'Always',
      backoff: { duration: '10s', factor: '2', cap: '5m0s' },
    });
    expect(tpl['task-build'].activeDeadlineSeconds).toBe('600');
    expect(tpl['task-build'].outputs).toEqual({
      parameters: [{ name: 'digest', valueFrom: { path: '/tmp/kiln-results/digest' } }],
    });
    expect(tpl['task-build'].containerSet.containers.map((c: Any) => [c.name, c.dependencies])).toEqual([
      ['compile', undefined],
      ['main', ['compile']],
    ]);
    expect(spec.templates[0].outputs.parameters).toEqual([
      { name: 'digest', valueFrom: { parameter: '{{tasks.build.outputs.parameters.digest}}' } },
    ]);
  });
});

describe('Tekton', () => {
  it('keeps the cache (kiln-agent restores and saves it) and takes --default-image: node-app exports', () => {
    expect(() => exportToTekton(nodeApp())).toThrow(
      'has no image (Tekton needs one per step; give one, or --default-image)',
    );
    const docs = exportToTekton(nodeApp(), { defaultImage: 'busybox:1.36', agentImage: 'kiln-agent:test' }) as Any[];
    const install = docs.find((d) => d.metadata.name === 'node-app-install')!.spec;
    expect(install.steps[0]).toMatchObject({ name: 'kiln-agent-install', image: 'kiln-agent:test' });
    const npm = install.steps[1];
    expect(npm.command.slice(0, 4)).toEqual([
      '/kiln/bin/kiln-agent',
      'entrypoint',
      '-cache',
      expect.stringContaining('"key":"npm-$(hashFiles'),
    ]);
    expect(npm.command).toContain('$(params.kiln-collector)');
    expect(npm.script).toBeUndefined();
    expect(install.volumes.map((v: Any) => v.name)).toEqual(['kiln-bin', 'kiln-lib', 'kiln-state', 'kiln-cache-token']);
    expect(docs.find((d) => d.metadata.name === 'node-app-report')!.spec.steps[0].image).toBe('busybox:1.36');
  });
});

describe('what each target refuses', () => {
  it.each([
    ['github-actions', exportToGitHubActions],
    ['argo', exportToArgo],
  ] as const)('%s: loops, pipelines in pipelines and CEL when, every problem named', (target, exporter) => {
    const p = parsePipelineText(`
name: p
tasks:
  poll:
    image: alpine
    loop: { until: { cel: "results.ok == 'yes'" }, max: 3 }
    results: [ok]
    steps: [{ run: "true" }]
  gate:
    image: alpine
    when: [{ cel: "1 < 2" }]
    steps: [{ run: "true" }]
`).pipeline;
    let err: unknown;
    try {
      exporter(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).target).toBe(target);
    expect((err as ExportError).problems).toEqual([
      `task "poll": loop has no ${target === 'argo' ? 'Argo' : 'GitHub Actions'} equivalent`,
      `task "gate": a CEL when has no ${target === 'argo' ? 'Argo' : 'GitHub Actions'} equivalent`,
    ]);
  });

  it.each([
    ['github-actions', exportToGitHubActions, 'GitHub Actions', 'environment with required reviewers'],
    ['argo', exportToArgo, 'Argo', 'argo resume'],
  ] as const)('%s: an approval gate, rather than a job that stops nobody', (_target, exporter, name, instead) => {
    const p = parsePipelineText(`
name: p
tasks:
  build: { image: alpine, steps: [{ run: "true" }] }
  gate:
    needs: [build]
    approval: { message: "ship?", approvers: [release] }
`).pipeline;
    let err: unknown;
    try {
      exporter(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).problems).toHaveLength(1);
    expect((err as ExportError).problems[0]).toMatch(
      new RegExp(`^task "gate": an approval gate has no ${name} equivalent that keeps its approvers \\(.*${instead}`),
    );
  });

  it('tekton: a retry backoff and a branch Tekton cannot express', () => {
    let err: unknown;
    try {
      exportToTekton(rich());
    } catch (e) {
      err = e;
    }
    expect((err as ExportError).problems).toEqual([
      'task "build": a retry backoff or on: has no Tekton equivalent (Tekton retries at once, on any failure)',
      'task "deploy": needs test on: [succeeded] has no Tekton equivalent (runAfter runs after success or skip)',
    ]);
  });
});

describe('kiln export', () => {
  it('writes the approximations as comments above the workflow, and refuses an unknown target', async () => {
    writeFileSync(join(dir, 'rich.yaml'), RICH);
    const out = await runKiln(dir, ['export', '--to', 'github-actions', 'rich.yaml']);
    expect(out.status).toBe(0);
    expect(out.stdout.split('\n').slice(0, 2)).toEqual([
      '# kiln export --to github-actions: approximated (docs/export.md):',
      '#   - retries (build): a job runs once in GitHub Actions; rerun failed jobs by hand',
    ]);
    const bad = await runKiln(dir, ['export', '--to', 'jenkins', 'rich.yaml']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--to jenkins: unknown target');
  });
});

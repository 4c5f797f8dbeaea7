// Pipelines in pipelines in `kiln export`: to Argo, each call a DAG template of its own (params as
// arguments, the called pipeline's results as the template's outputs, its workspaces the caller's
// volumes), checked by Argo's strict schema; recursion refused by name. Tekton and GitHub Actions
// refuse all three spellings, saying why and what to do instead.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportError, exportToArgo, exportToGitHubActions, exportToTekton } from '../../export/index.js';
import { loadPipelineFiles } from '../../syntax/index.js';
import { argoSchema } from '../../testkit/go-tools.js';
import { runKiln } from '../../testkit/log-proxy-pod.js';
import { validate } from './validate.js';

const RELEASE = `
name: release
params: { env: { default: staging } }
workspaces: [source]
tasks:
  build:
    image: alpine:3.20
    results: [image]
    steps: [{ run: "echo app > $(results.image.path)" }]
  ship:
    pipeline: ./deploy.yaml
    params: { image: "$(tasks.build.results.image)" }
    workspaces: { src: source }
  again:
    needs: [ship]
    pipelineRef: { name: ./deploy.yaml }
    params: { image: "$(tasks.ship.results.url)" }
    workspaces: { src: source }
  check:
    retries: { count: 2, backoff: { delay: 5s, factor: 2 } }
    params: { url: "$(tasks.ship.results.url)" }
    pipelineSpec:
      params: { url: {} }
      tasks:
        probe: { image: curlimages/curl:8.8.0, results: [ok], steps: [{ run: "curl -fsS $(params.url) && echo yes > $(results.ok.path)" }] }
      results: { ok: "$(tasks.probe.results.ok)" }
  report:
    image: alpine:3.20
    steps: [{ run: "echo $(tasks.ship.results.url) $(tasks.check.results.ok)" }]
finally:
  notify:
    pipelineSpec:
      tasks:
        say: { image: alpine:3.20, steps: [{ run: "echo released" }] }
results:
  url: $(tasks.ship.results.url)
`;
const DEPLOY = `
name: deploy
params: { image: {}, env: { default: dev } }
workspaces: [src]
tasks:
  push:
    image: alpine:3.20
    results: [url]
    steps: [{ run: "echo https://$(params.env)/$(params.image) > $(results.url.path); ls $(workspaces.src.path)" }]
results:
  url: $(tasks.push.results.url)
`;
// Recursion with a condition: valid for kiln run (bounded by --max-depth), not for Argo.
const COUNTDOWN = `
name: countdown
params: { n: { default: "3" } }
tasks:
  tick: { image: alpine:3.20, steps: [{ run: "echo $(params.n)" }] }
  again:
    needs: [tick]
    when: ["$(params.n) notin [0]"]
    pipeline: ./countdown.yaml
    params: { n: "0" }
`;

// Two levels of embedded pipelines, the workspace renamed at each call.
const NESTED = `
name: outer
workspaces: [data]
tasks:
  a:
    workspaces: { mid: data }
    pipelineSpec:
      workspaces: [mid]
      tasks:
        b:
          workspaces: { low: mid }
          pipelineSpec:
            workspaces: [low]
            tasks:
              c: { image: alpine:3.20, steps: [{ run: "ls $(workspaces.low.path)" }] }
`;
// What a called pipeline's DAG template cannot carry.
const LIMITS = `
name: limits
tasks:
  sub:
    pipelineSpec:
      timeout: 5m
      tasks:
        c: { image: alpine:3.20, steps: [{ run: "true" }] }
      finally:
        f: { image: alpine:3.20, steps: [{ run: "true" }] }
`;
// Names that fit Kiln (63 characters) but, joined through two calls, not Argo's 128.
const [X, Y, Z] = ['x', 'y', 'z'].map((c) => c.repeat(50));
const LONG = `
name: long
tasks:
  ${X}:
    pipelineSpec:
      tasks:
        ${Y}:
          pipelineSpec:
            tasks:
              ${Z}: { image: alpine:3.20, steps: [{ run: "true" }] }
`;

let dir: string;
let schema: { bin: string; schema: string };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-export-calls-'));
  for (const [f, t] of Object.entries({
    'release.yaml': RELEASE,
    'deploy.yaml': DEPLOY,
    'countdown.yaml': COUNTDOWN,
    'nested.yaml': NESTED,
    'limits.yaml': LIMITS,
    'long.yaml': LONG,
  }))
    writeFileSync(join(dir, f), t);
  schema = argoSchema();
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (file: string) => loadPipelineFiles([join(dir, file)]).pipeline;
const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof ExportError) return e.problems;
    throw e;
  }
  throw new Error('exported without a problem');
};
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('a pipeline task exported to Argo', () => {
  it("is a DAG task calling the called pipeline's own DAG template, which Argo's schema accepts", () => {
    const { doc } = exportToArgo(load('release.yaml'));
    const file = join(dir, 'release.json');
    writeFileSync(file, JSON.stringify(doc));
    expect(validate(schema.bin, [schema.schema, file])).toBe('');
    const spec = doc.spec as Any;
    const tpl: Any = Object.fromEntries(spec.templates.map((t: Any) => [t.name, t]));
    const dag: Any = Object.fromEntries(tpl.main.dag.tasks.map((t: Any) => [t.name, t]));
    // Argo's controller (not its schema) refuses a DAG task naming a template that is not there.
    const called = spec.templates.flatMap((t: Any) => (t.dag?.tasks ?? []).map((d: Any) => d.template));
    expect(called.filter((name: string) => !tpl[name])).toEqual([]);
    expect(called).toEqual(
      expect.arrayContaining(['ship--task-push', 'again--task-push', 'check--task-probe', 'notify--task-say']),
    );
    // A pipeline task in finally: the exit handler's DAG calls it.
    expect(tpl['kiln-finally'].dag.tasks).toEqual([{ name: 'notify', template: 'notify--pipeline' }]);
    // The task's params, defaulted from the called pipeline's declarations (as kiln run binds them).
    expect(dag.ship).toEqual({
      name: 'ship',
      template: 'ship--pipeline',
      depends: '(build.Succeeded)',
      arguments: {
        parameters: [
          { name: 'image', value: '{{tasks.build.outputs.parameters.image}}' },
          { name: 'env', value: 'dev' },
        ],
      },
    });
    expect(dag.again.template).toBe('again--pipeline');
    expect(dag.check.arguments.parameters).toEqual([{ name: 'url', value: '{{tasks.ship.outputs.parameters.url}}' }]);
    // The called pipeline's results are read as any task's outputs.
    expect(dag.report.arguments.parameters).toEqual([
      { name: 'ship-results-url', value: '{{tasks.ship.outputs.parameters.url}}' },
      { name: 'check-results-ok', value: '{{tasks.check.outputs.parameters.ok}}' },
    ]);
    expect(tpl['ship--pipeline']).toEqual({
      name: 'ship--pipeline',
      inputs: { parameters: [{ name: 'image' }, { name: 'env', default: 'dev' }] },
      outputs: { parameters: [{ name: 'url', valueFrom: { parameter: '{{tasks.push.outputs.parameters.url}}' } }] },
      dag: {
        tasks: [
          {
            name: 'push',
            template: 'ship--task-push',
            arguments: {
              parameters: [
                { name: 'env', value: '{{inputs.parameters.env}}' },
                { name: 'image', value: '{{inputs.parameters.image}}' },
              ],
            },
          },
        ],
      },
    });
    // Its workspace `src` is the caller's `source`: the Workflow's volume.
    expect(tpl['ship--task-push'].container.volumeMounts).toContainEqual({
      name: 'source',
      mountPath: '/workspace/src',
    });
    expect(spec.volumes).toEqual([{ name: 'source', emptyDir: {} }]);
    // Argo retries any template: the called pipeline's DAG runs again whole, as kiln run reruns it.
    expect(tpl['check--pipeline'].retryStrategy).toEqual({
      limit: '2',
      retryPolicy: 'Always',
      backoff: { duration: '5s', factor: '2' },
    });
    expect(tpl['check--task-probe'].container.args[0]).toContain('curl -fsS {{inputs.parameters.url}}');
    expect(tpl.main.outputs.parameters).toEqual([
      { name: 'url', valueFrom: { parameter: '{{tasks.ship.outputs.parameters.url}}' } },
    ]);
  });

  it('nests: a called pipeline calling another, its workspace bound through both calls', () => {
    const { doc } = exportToArgo(load('nested.yaml'));
    const file = join(dir, 'nested.json');
    writeFileSync(file, JSON.stringify(doc));
    expect(validate(schema.bin, [schema.schema, file])).toBe('');
    const tpl: Any = Object.fromEntries((doc.spec as Any).templates.map((t: Any) => [t.name, t]));
    expect(Object.keys(tpl)).toEqual(['main', 'a--pipeline', 'a--b--pipeline', 'a--b--task-c']);
    expect(tpl['a--pipeline'].dag.tasks).toEqual([{ name: 'b', template: 'a--b--pipeline' }]);
    expect(tpl['a--b--task-c'].container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/workspace/low' });
  });

  it('refuses what a DAG template cannot carry: a timeout and finally tasks of a called pipeline', () => {
    expect(problemsOf(() => exportToArgo(load('limits.yaml')))).toEqual([
      'task "sub": a timeout of a called pipeline has no Argo equivalent (deadlines and timeouts apply to pods, not DAG templates)',
      'task "sub": the finally tasks of a called pipeline have no Argo equivalent (only the workflow has onExit)',
    ]);
  });

  it("refuses a template name longer than Argo's 128 characters", () => {
    expect(problemsOf(() => exportToArgo(load('long.yaml')))).toEqual([
      `template "${X}--${Y}--task-${Z}": longer than the 128 characters Argo allows (pipeline calls nested this deep need shorter task names)`,
    ]);
  });

  it('refuses a pipeline that calls itself, naming the cycle', () => {
    expect(problemsOf(() => exportToArgo(load('countdown.yaml')))).toEqual([
      'task "again": pipeline "countdown" calls itself (countdown -> countdown); Argo has no bound on how deep a template calls itself, so recursion is not exported (run it with kiln run or the Kiln controller, which bound it with --max-depth)',
    ]);
  });

  it('kiln export --to argo writes it', async () => {
    const out = await runKiln(dir, ['export', '--to', 'argo', 'release.yaml']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('template: ship--pipeline');
  });
});

describe('Tekton and GitHub Actions refuse a pipeline task, in all three spellings', () => {
  it.each([
    ['Tekton', exportToTekton, 'TEP-0056'],
    ['GitHub Actions', exportToGitHubActions, 'a reusable workflow must be a file of its own under .github/workflows'],
  ] as const)('%s: says why and to export with --to argo', (target, exporter, why) => {
    const problems = problemsOf(() => exporter(load('release.yaml'))).filter((p) => p.includes('pipeline task'));
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'task "ship"',
      'task "again"',
      'task "check"',
      'task "notify"',
    ]);
    for (const p of problems) {
      expect(p).toContain(`a pipeline task (pipeline:, pipelineRef: or pipelineSpec:) is not exported to ${target}`);
      expect(p).toContain(why);
      expect(p).toContain('export with --to argo');
    }
  });
});

// Pipelines in pipelines on a real control plane (scripts/k8s-env.sh: kube-apiserver with RBAC and
// PodSecurity, kube-controller-manager's garbage collector, the podman test node): a pipeline task
// runs as a child PipelineRun owned by its parent, made by `kiln controller` with deploy/'s
// ServiceAccount identity; its results reach the parent's next task; deleting the parent deletes it.
// `kiln apply` of a file calling another file and embedding a pipelineSpec, read back with kiln logs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createKubeClient, type KubeClient, type PipelineRunResource } from '../../../runtimes/kubernetes/index.js';
import {
  ensureStepImage,
  startController,
  startK8sEnv,
  type ControllerProcess,
  type K8sEnv,
} from '../../../testkit/k8s-env.js';
import { until } from '../../../testkit/kubeconfig.js';
import { REPO } from '../../../testkit/kiln-cli.js';

let k: K8sEnv;
let client: KubeClient;
let ctl: ControllerProcess;
let image: string;
let work: string;

beforeAll(async () => {
  image = await ensureStepImage();
  k = await startK8sEnv({ controller: false });
  client = createKubeClient(k.admin);
  ctl = startController(k, k.controllerKubeconfig());
  work = mkdtempSync(join(tmpdir(), 'kiln-k8s-child-'));
}, 3_600_000);

afterAll(async () => {
  await ctl?.stop();
  await k?.stop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

const exec = promisify(execFile);
const kiln = async (...args: string[]) =>
  (await exec(process.execPath, [join(REPO, 'dist/kiln.mjs'), ...args], { env: k.env, cwd: work, timeout: 60_000 }))
    .stdout;

const getRun = async (name: string) =>
  (await client.listPipelineRuns(k.namespace)).items.find((r) => r.metadata.name === name);

async function ended(name: string): Promise<PipelineRunResource> {
  return until(
    `${name} archived`,
    async () => {
      const r = await getRun(name);
      return r?.status?.archived && r.status.completionTime ? r : undefined;
    },
    180_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\ncontroller: ${ctl.stderr()}`);
  });
}

// Names of their own: the podman test node names its pods by namespace and Pod name, and a pod
// left from an earlier run under the same name would be taken for this run's.
const run = `release-${Date.now().toString(36)}`;
const child = `${run}-ship`;

describe('pipelines in pipelines on a real API server', () => {
  it('a pipeline task runs as a child PipelineRun owned by its parent; its result reaches the next task; deleting the parent deletes it', async () => {
    const deploy = {
      apiVersion: 'kiln.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'deploy', namespace: k.namespace },
      spec: {
        params: { image: { type: 'string' } },
        tasks: {
          push: {
            image,
            results: ['url'],
            steps: [{ run: 'printf "https://$(params.image).example" > $(results.url.path)' }],
          },
        },
        results: { url: '$(tasks.push.results.url)' },
      },
    };
    writeFileSync(join(work, 'deploy.yaml'), stringify(deploy));
    await k.kubectl('apply', '-f', join(work, 'deploy.yaml'));
    await client.createPipelineRun(k.namespace, {
      apiVersion: 'kiln.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: run },
      spec: {
        pipelineSpec: {
          tasks: {
            build: { image, results: ['name'], steps: [{ run: 'printf app > $(results.name.path)' }] },
            ship: { pipeline: 'deploy', params: { image: '$(tasks.build.results.name)' } },
            report: { image, steps: [{ run: 'echo shipped to $(tasks.ship.results.url)' }] },
          },
        },
      },
    });
    const r = await ended(run);
    expect(r.status!.conditions![0], JSON.stringify(r.status)).toMatchObject({ status: 'True', reason: 'Succeeded' });
    const ship = r.status!.taskRuns!.find((t) => t.name === 'ship')!;
    expect(ship).toMatchObject({ status: 'Succeeded', results: { url: 'https://app.example' } });
    const c = (await getRun(child))!;
    // The child's record keeps its own collector id (namespace, name and UID).
    expect(ship.child).toMatchObject({ id: c.status!.runId, name: 'deploy', status: 'Succeeded' });
    expect(c.status!.runId).toMatch(new RegExp(`^${k.namespace}\\.${child}\\.`));

    expect(c.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'PipelineRun', name: run, uid: r.metadata.uid, controller: true }),
    ]);
    expect(c.metadata.labels).toMatchObject({ 'kiln.dev/parent-pipelinerun': run });
    expect(c.metadata.annotations).toMatchObject({ 'kiln.dev/pipeline-depth': '1' });
    expect(c.status!.results).toEqual({ url: 'https://app.example' });
    await ended(child);

    await k.kubectl('delete', 'kpr', run, '--wait=true');
    await until('child garbage-collected', async () => !(await getRun(child)), 60_000);
  }, 300_000);

  it('kiln apply carries a called file as a Pipeline and an embedded pipelineSpec in the run; kiln logs reads the children by path', async () => {
    const stamp = Date.now().toString(36);
    mkdirSync(join(work, 'lib'), { recursive: true });
    // The text differs per test run: the podman node would take an earlier run's Pod for a same-named one.
    writeFileSync(
      join(work, 'lib/deploy.yaml'),
      stringify({
        name: 'deploy',
        params: { image: { type: 'string' } },
        tasks: {
          push: {
            image,
            results: ['url'],
            steps: [
              {
                run: `echo pushing $(params.image) ${stamp}; printf "https://$(params.image).example" > $(results.url.path)`,
              },
            ],
          },
        },
        results: { url: '$(tasks.push.results.url)' },
      }),
    );
    writeFileSync(
      join(work, 'ship.yaml'),
      stringify({
        name: `ship-${stamp}`,
        tasks: {
          ship: { pipeline: './lib/deploy.yaml', params: { image: 'app' } },
          check: {
            params: { url: '$(tasks.ship.results.url)' },
            pipelineSpec: {
              params: { url: {} },
              tasks: {
                probe: {
                  image,
                  results: ['ok'],
                  steps: [{ run: 'echo probing $(params.url); printf yes > $(results.ok.path)' }],
                },
              },
              results: { ok: '$(tasks.probe.results.ok)' },
            },
          },
          report: { image, steps: [{ run: 'echo ok=$(tasks.check.results.ok)' }] },
        },
      }),
    );
    const out = await kiln('apply', join(work, 'ship.yaml'));
    const pipeline = /pipeline\.kiln\.dev\/(deploy-[0-9a-f]{10}) created \(deploy\)/.exec(out)?.[1];
    const name = /pipelinerun\.kiln\.dev\/(\S+) created/.exec(out)?.[1];
    expect(pipeline, out).toBeDefined();
    expect(name, out).toBeDefined();
    const r = await ended(name!);
    expect(r.status!.conditions![0], JSON.stringify(r.status)).toMatchObject({ status: 'True', reason: 'Succeeded' });
    const byName = [...r.status!.taskRuns!].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName.map((t) => [t.name, t.status, t.results])).toEqual([
      ['check', 'Succeeded', { ok: 'yes' }],
      ['report', 'Succeeded', {}],
      ['ship', 'Succeeded', { url: 'https://app.example' }],
    ]);
    const ship = (await getRun(`${name}-ship`))!;
    const check = (await getRun(`${name}-check`))!;
    expect(ship.spec.pipelineRef).toEqual({ name: pipeline });
    expect(check.spec.pipelineSpec).toMatchObject({ name: 'check', tasks: { probe: { image } } });
    for (const c of [ship, check])
      expect(c.metadata.ownerReferences).toEqual([
        expect.objectContaining({ name, uid: r.metadata.uid, controller: true }),
      ]);
    await ended(`${name}-ship`);
    await ended(`${name}-check`);

    // Applied again unchanged: the same Pipeline, left as it is.
    expect(await kiln('apply', join(work, 'ship.yaml'))).toContain(`pipeline.kiln.dev/${pipeline} unchanged (deploy)`);

    const runId = r.status!.runId!;
    expect(await kiln('logs', runId, '--task', 'ship/push')).toBe(`pushing app ${stamp}\n`);
    const all = await kiln('logs', runId);
    expect(all).toContain(`ship:push/step-1 | pushing app ${stamp}`);
    expect(all).toContain('check:probe/step-1 | probing https://app.example');
    expect(all).toContain('report/step-1 | ok=yes');
  }, 300_000);

  it('kiln apply of a file calling itself: one Pipeline, recursion across child PipelineRuns, bounded by --max-depth', async () => {
    const stamp = Date.now().toString(36);
    const file = join(work, 'countdown.yaml');
    writeFileSync(
      file,
      stringify({
        name: 'countdown',
        params: { n: { default: '3' } },
        tasks: {
          dec: {
            image,
            results: ['next'],
            steps: [{ run: `echo ${stamp} n=$(params.n); n=$(params.n); printf %s $((n - 1)) > $(results.next.path)` }],
          },
          again: {
            when: [{ cel: '$(tasks.dec.results.next) > 0' }],
            pipeline: './countdown.yaml',
            params: { n: '$(tasks.dec.results.next)' },
          },
        },
      }),
    );
    const out = await kiln('apply', file, '--param', 'n=3', '--max-depth', '1');
    const pipeline = /pipeline\.kiln\.dev\/(countdown-[0-9a-f]{10}) created/.exec(out)?.[1];
    const name = /pipelinerun\.kiln\.dev\/(\S+) created/.exec(out)?.[1];
    expect(pipeline, out).toBeDefined();
    const r = await ended(name!);
    expect(r.metadata.annotations).toMatchObject({ 'kiln.dev/max-pipeline-depth': '1' });
    expect(r.status!.conditions![0]).toMatchObject({ status: 'False', reason: 'TaskFailed: again' });
    const child = await ended(`${name}-again`);
    expect(child.spec).toMatchObject({ pipelineRef: { name: pipeline }, params: { n: '2' } });
    expect(child.metadata.annotations).toMatchObject({ 'kiln.dev/pipeline-depth': '1' });
    expect(child.status!.taskRuns!.find((t) => t.name === 'again')!.reason).toMatch(
      /^PipelineDepthExceeded: running "countdown" would nest pipelines 2 deep, more than 1/,
    );
    expect(await getRun(`${name}-again-again`)).toBeUndefined();
  }, 300_000);

  it('kiln apply refuses a file calling a missing file before it contacts the cluster, naming the file and the task', async () => {
    writeFileSync(join(work, 'lost.yaml'), stringify({ name: 'lost', tasks: { go: { pipeline: './nowhere.yaml' } } }));
    const err = await kiln('apply', join(work, 'lost.yaml')).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(
      /lost\.yaml:4:\d+: pipeline: cannot read "\.\/nowhere\.yaml" .*task "go" calls pipeline/,
    );
  });
});

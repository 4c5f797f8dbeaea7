// Pipelines in pipelines on a real control plane (scripts/k8s-env.sh: kube-apiserver with RBAC and
// PodSecurity, kube-controller-manager's garbage collector, the podman test node): a pipeline task
// runs as a child PipelineRun owned by its parent, made by `kiln controller` with deploy/'s
// ServiceAccount identity; its results reach the parent's next task; deleting the parent deletes it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});

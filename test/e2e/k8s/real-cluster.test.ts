// Kiln on a real Kubernetes control plane (scripts/k8s-env.sh): kube-apiserver 1.34 with RBAC,
// PodSecurity `restricted` and a LimitRange, kube-controller-manager's garbage collector, the
// podman test node running the Pods, a collector, and `kiln controller` as a process with
// deploy/'s ServiceAccount identity. Runs as a user would: kiln apply, kubectl, kiln logs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  watchPodUids,
  type ControllerProcess,
  type K8sEnv,
} from '../../../testkit/k8s-env.js';
import { startFaultProxy } from '../../../testkit/fault-proxy.js';
import { until } from '../../../testkit/kubeconfig.js';
import { REPO } from '../../../testkit/kiln-cli.js';

const exec = promisify(execFile);
let k: K8sEnv;
let client: KubeClient;
let ctl: ControllerProcess;
let image: string;
let work: string;
/** Every Pod UID seen per Pod name: a duplicate Pod is a second UID. */
let podUids: Map<string, Set<string>>;
let stopPodWatch: (() => void) | undefined;

beforeAll(async () => {
  image = await ensureStepImage();
  k = await startK8sEnv({ controller: false });
  client = createKubeClient(k.admin);
  ctl = startController(k, k.controllerKubeconfig());
  work = mkdtempSync(join(tmpdir(), 'kiln-k8s-e2e-'));
  ({ uids: podUids, stop: stopPodWatch } = await watchPodUids(k));
}, 3_600_000);

afterAll(async () => {
  stopPodWatch?.();
  await ctl?.stop();
  await k?.stop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

const kiln = async (...args: string[]) =>
  (await exec(process.execPath, [join(REPO, 'dist/kiln.mjs'), ...args], { env: k.env, cwd: work, timeout: 60_000 }))
    .stdout;

const getRun = async (name: string) =>
  (await client.listPipelineRuns(k.namespace)).items.find((r) => r.metadata.name === name);
const cond = (r: PipelineRunResource | undefined) => r?.status?.conditions?.[0];

/** Waits until the run has ended and its record is archived; returns it. */
async function ended(name: string, timeoutMs = 120_000): Promise<PipelineRunResource> {
  return until(
    `${name} archived`,
    async () => {
      const r = await getRun(name);
      return r?.status?.archived && r.status.completionTime ? r : undefined;
    },
    timeoutMs,
  );
}

function pipelineRunOf(name: string, pipelineSpec: unknown, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'kiln.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineSpec, ...spec } };
}
const create = (name: string, pipelineSpec: unknown, spec?: Record<string, unknown>) =>
  client.createPipelineRun(k.namespace, pipelineRunOf(name, pipelineSpec, spec) as PipelineRunResource);

const TWO_TASKS = () => ({
  tasks: {
    a: { image, results: ['v'], steps: [{ run: 'echo hello from a; printf 42 > $(results.v.path)' }] },
    b: { image, steps: [{ run: 'echo got $(tasks.a.results.v)' }] },
  },
});
const SLEEPER = (seconds: number) => ({ tasks: { a: { image, steps: [{ run: `echo start; sleep ${seconds}` }] } } });
const podsOf = async (run: string) =>
  (await client.listPods(k.namespace, `kiln.dev/pipelinerun=${run}`)).items.map((p) => p.metadata!.name!);
const runningPod = (pod: string) =>
  until(
    `${pod} running`,
    async () => {
      const p = (await client.listPods(k.namespace, `kiln.dev/taskrun=${pod}`)).items[0];
      return p?.status?.containerStatuses?.some((c) => c.state?.running) ? p : undefined;
    },
    60_000,
  );

describe('Kiln on a real API server with a podman node', () => {
  it('kiln apply: two tasks pass a result between Pods; logs at the collector; kubectl get kpr; archived, Pods deleted', async () => {
    const file = join(work, 'pipeline.yaml');
    writeFileSync(file, stringify({ name: 'hello', ...TWO_TASKS() }));
    const out = await kiln('apply', file);
    const name = /pipelinerun\.kiln\.dev\/(\S+) created in namespace kiln-e2e/.exec(out)?.[1];
    expect(name, out).toBeDefined();
    const r = await ended(name!);
    expect(cond(r)).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(r.status!.taskRuns!.map((t) => [t.name, t.status])).toEqual([
      ['a', 'Succeeded'],
      ['b', 'Succeeded'],
    ]);
    expect(r.status!.taskRuns![0]!.results).toEqual({ v: '42' });
    const table = await k.kubectl('get', 'kpr', name!);
    expect(table).toMatch(new RegExp(`${name}\\s+Succeeded`));
    const logs = await kiln('logs', name!);
    expect(logs).toContain('a/step-1 | hello from a');
    expect(logs).toContain('b/step-1 | got 42');
    // Archived: the record is at the collector, the Pods are deleted, the PipelineRun stays.
    await until('pods deleted', async () => (await podsOf(name!)).length === 0);
    await until('finalizer released', async () => !(await getRun(name!))?.metadata.finalizers?.length);
    expect([...podUids].filter(([p]) => p.startsWith(`${name}-`)).map(([, u]) => u.size)).toEqual([1, 1]);
  });

  it('a failing step fails its task and the run, saying which step and exit code', async () => {
    await create('fails', { tasks: { a: { image, steps: [{ name: 'boom', run: 'echo about to fail; exit 3' }] } } });
    const r = await ended('fails');
    expect(cond(r)).toMatchObject({ status: 'False' });
    expect(r.status!.taskRuns![0]).toMatchObject({ status: 'Failed' });
    expect(r.status!.taskRuns![0]!.steps[0]).toMatchObject({ name: 'boom', status: 'Failed', exitCode: 3 });
  });

  it('cancel: the running Pod is stopped by graceful deletion on the node and the run ends Cancelled', async () => {
    await create('cancel-me', SLEEPER(300));
    await runningPod('cancel-me-a');
    await k.kubectl('patch', 'kpr', 'cancel-me', '--type', 'merge', '-p', '{"spec":{"status":"Cancelled"}}');
    const r = await ended('cancel-me');
    expect(cond(r)).toMatchObject({ status: 'False', reason: 'Cancelled' });
    await until('pod gone', async () => (await podsOf('cancel-me')).length === 0);
  });

  it('timeout: a run over spec.timeout ends TimedOut and its Pod is stopped', async () => {
    await create('too-slow', SLEEPER(300), { timeout: '5s' });
    const r = await ended('too-slow');
    expect(cond(r)).toMatchObject({ status: 'False', reason: 'PipelineTimedOut' });
    await until('pod gone', async () => (await podsOf('too-slow')).length === 0);
  });

  it('a controller killed mid-run: its successor finishes the run with no duplicate Pod', async () => {
    await create('restart', {
      tasks: {
        a: { image, results: ['v'], steps: [{ run: 'sleep 3; printf x > $(results.v.path)' }] },
        b: { image, steps: [{ run: 'echo $(tasks.a.results.v)' }] },
      },
    });
    await runningPod('restart-a');
    await ctl.stop('SIGKILL');
    ctl = startController(k, k.controllerKubeconfig());
    const r = await ended('restart');
    expect(cond(r)).toMatchObject({ status: 'True' });
    expect(r.status!.taskRuns![1]).toMatchObject({ name: 'b', status: 'Succeeded' });
    expect([podUids.get('restart-a')?.size, podUids.get('restart-b')?.size]).toEqual([1, 1]);
    // The killed controller never handed its Lease back: the successor waits out the 15 s lease first.
  }, 120_000);

  it('faults between the controller and the API server (500, 429, 409, dropped watches): the run succeeds, one Pod per task', async () => {
    await ctl.stop();
    const proxy = await startFaultProxy(`https://127.0.0.1:${new URL(k.admin.getCurrentCluster()!.server).port}`, {
      ca: readFileSync(join(k.dir, 'pki/apiserver.crt'), 'utf8'),
    });
    try {
      proxy.inject({ method: 'POST', path: /\/pods$/, kind: 500, times: 2 });
      proxy.inject({ method: 'POST', path: /\/pods$/, kind: 429, times: 1 });
      proxy.inject({ method: 'PATCH', path: /\/pipelineruns\/faults\/status$/, kind: 500, times: 2 });
      proxy.inject({ method: 'PATCH', path: /\/pipelineruns\/faults$/, kind: 409, times: 1 });
      proxy.inject({ method: 'GET', path: /\/pods$/, kind: 'drop-watch', times: 2, afterMs: 1500 });
      ctl = startController(k, k.controllerKubeconfig(proxy.url));
      await create('faults', TWO_TASKS());
      const r = await ended('faults').catch((err: Error) => {
        throw new Error(`${err.message}\ncontroller: ${ctl.stderr()}\nfired: ${JSON.stringify(proxy.fired)}`);
      });
      expect(cond(r), ctl.stderr()).toMatchObject({ status: 'True', reason: 'Succeeded' });
      expect(r.status!.taskRuns![0]!.results).toEqual({ v: '42' });
      expect([podUids.get('faults-a')?.size, podUids.get('faults-b')?.size]).toEqual([1, 1]);
      expect(proxy.fired).toMatchObject({ 500: 4, 429: 1, 409: 1 });
      expect(proxy.fired['drop-watch']).toBeGreaterThanOrEqual(1);
    } finally {
      await ctl.stop();
      await proxy.close();
      ctl = startController(k, k.controllerKubeconfig());
    }
  }, 180_000);
});

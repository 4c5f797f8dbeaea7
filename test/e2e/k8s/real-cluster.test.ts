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
  ensureRootStepImage,
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

const getRun = async (name: string, ns = k.namespace) =>
  (await client.listPipelineRuns(ns)).items.find((r) => r.metadata.name === name);
const cond = (r: PipelineRunResource | undefined) => r?.status?.conditions?.[0];

/** Waits until the run has ended and its record is archived; returns it. */
async function ended(name: string, timeoutMs = 120_000, ns = k.namespace): Promise<PipelineRunResource> {
  return until(
    `${name} archived`,
    async () => {
      const r = await getRun(name, ns);
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
    // The collector knows the run by an id bound to its namespace, name and UID; its status says it.
    const runId = await k.kubectl('get', 'kpr', name!, '-o', 'jsonpath={.status.runId}');
    expect(runId).toMatch(new RegExp(`^kiln-e2e\\.${name}\\.[0-9a-f]{8}$`));
    expect(await k.kubectl('get', 'kpr', name!, '-o', 'wide')).toMatch(new RegExp(`RUN ID[\\s\\S]*${runId}`));
    const logs = await kiln('logs', runId);
    expect(logs).toContain('a/step-1 | hello from a');
    expect(logs).toContain('b/step-1 | got 42');
    // Archived: the record is at the collector, the Pods are deleted, the PipelineRun stays.
    await until('pods deleted', async () => (await podsOf(name!)).length === 0);
    await until('finalizer released', async () => !(await getRun(name!))?.metadata.finalizers?.length);
    expect([...podUids].filter(([p]) => p.startsWith(`${name}-`)).map(([, u]) => u.size)).toEqual([1, 1]);
    // Events on the run, as kubectl describe shows them.
    const described = await until('the Archived event', async () => {
      const out = await k.kubectl('describe', 'kpr', name!);
      return /Normal\s+Archived/.test(out) ? out : undefined;
    });
    expect(described).toMatch(/Normal\s+Started\s+.*kiln-controller\s+pipeline hello started/);
    expect(described).toMatch(/Normal\s+Succeeded\s+.*pipeline hello Succeeded/);
  });

  it('an approval gate holds no Pod while it waits; kiln approve through the collector lets the next task run', async () => {
    await create('gated', {
      tasks: {
        build: { image, steps: [{ run: 'echo built' }] },
        gate: { needs: ['build'], approval: { message: 'ship?', approvers: ['release'] } },
        ship: { needs: ['gate'], image, steps: [{ run: 'echo shipped' }] },
      },
    });
    const gate = async () => (await getRun('gated'))?.status?.taskRuns?.find((t) => t.name === 'gate');
    await until('gate waiting', async () => (await gate())?.status === 'Running', 120_000);
    expect(await podsOf('gated')).toEqual(['gated-build']);
    const secretFile = k.vars.KILN_COLLECTOR_SECRET_FILE!;
    const alice = (await kiln('token', 'create', 'alice', '--group', 'release', '--secret-file', secretFile)).trim();
    // The collector knows the run by its id, bound to namespace, name and UID (status.runId).
    const runId = (await getRun('gated'))!.status!.runId!;
    const approved = await exec(process.execPath, [join(REPO, 'dist/kiln.mjs'), 'approve', runId, 'gate', '-m', 'go'], {
      env: { ...k.env, KILN_TOKEN: alice },
      cwd: work,
      timeout: 60_000,
    });
    expect(approved.stdout.startsWith(`${runId} gate: approved by alice at `)).toBe(true);
    const r = await ended('gated');
    expect(cond(r)).toMatchObject({ status: 'True' });
    expect(r.status!.taskRuns!.map((t) => [t.name, t.status])).toEqual([
      ['build', 'Succeeded'],
      ['gate', 'Succeeded'],
      ['ship', 'Succeeded'],
    ]);
    expect(podUids.has('gated-gate')).toBe(false); // no Pod was ever made for the gate
  });

  it('a failing step fails its task and the run, saying which step and exit code', async () => {
    await create('fails', { tasks: { a: { image, steps: [{ name: 'boom', run: 'echo about to fail; exit 3' }] } } });
    const r = await ended('fails');
    expect(cond(r)).toMatchObject({ status: 'False' });
    expect(r.status!.taskRuns![0]).toMatchObject({ status: 'Failed' });
    expect(r.status!.taskRuns![0]!.steps[0]).toMatchObject({ name: 'boom', status: 'Failed', exitCode: 3 });
    const described = await k.kubectl('describe', 'kpr', 'fails');
    expect(described).toMatch(/Warning\s+TaskFailed\s+.*task a Failed/);
    expect(described).toMatch(/Warning\s+Failed\s+.*pipeline fails Failed/);
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

  it("--pod-security image (the default): a step runs as its image's user, root here, with the runtime's capabilities", async () => {
    const ns = 'kiln-e2e-image';
    const rootImage = await ensureRootStepImage();
    await k.kubectl('create', 'namespace', ns);
    await ctl.stop();
    ctl = startController(k, k.controllerKubeconfig(), ['--pod-security', 'image']);
    try {
      const caps =
        'while read k v; do if [ "$k" = CapEff: ]; then printf %s "$v" > $(results.caps.path); fi; done < /proc/self/status';
      const spec = {
        tasks: {
          a: {
            image: rootImage,
            results: ['uid', 'caps'],
            steps: [{ run: `printf %s "$(busybox id -u)" > $(results.uid.path); ${caps}` }],
          },
        },
      };
      await client.createPipelineRun(ns, pipelineRunOf('as-image', spec) as PipelineRunResource);
      const r = await ended('as-image', 120_000, ns);
      expect(cond(r), JSON.stringify(r.status!.taskRuns)).toMatchObject({ status: 'True' });
      expect(r.status!.taskRuns![0]!.results!.uid).toBe('0');
      expect(r.status!.taskRuns![0]!.results!.caps).toMatch(/^[0-9a-f]{16}$/);
      expect(r.status!.taskRuns![0]!.results!.caps).not.toBe('0000000000000000');
    } finally {
      await ctl.stop();
      ctl = startController(k, k.controllerKubeconfig());
    }
  }, 180_000);

  it('API requests per run: a two-task run through a counting proxy, from create to archived and Pods deleted', async () => {
    await ctl.stop();
    const proxy = await startFaultProxy(`https://127.0.0.1:${new URL(k.admin.getCurrentCluster()!.server).port}`, {
      ca: readFileSync(join(k.dir, 'pki/apiserver.crt'), 'utf8'),
    });
    try {
      ctl = startController(k, k.controllerKubeconfig(proxy.url));
      // The controller's start (version, list and watch of Pods and PipelineRuns) is not the run's.
      // Bounded at 60 s: under the whole suite's load this start once took longer than 10 s.
      await until('watching', async () => (proxy.requests.watch ?? 0) >= 2, 60_000).catch((err: Error) => {
        throw new Error(
          `${err.message}; requests so far ${JSON.stringify(proxy.requests)}; controller: ${ctl.stderr()}`,
        );
      });
      const before = { ...proxy.requests };
      await create('counted', TWO_TASKS());
      await ended('counted');
      await until('pods deleted', async () => (await podsOf('counted')).length === 0);
      // The last request of a run: its Archived event, sent after the Pods' deletes.
      await until('the Archived event', async () => /Archived/.test(await k.kubectl('describe', 'kpr', 'counted')));
      await until('the finalizer released', async () => !(await getRun('counted'))?.metadata.finalizers?.length);
      const perRun = Object.fromEntries(
        Object.entries(proxy.requests).map(([verb, n]) => [verb, n - (before[verb] ?? 0)]),
      );
      const total = Object.entries(perRun)
        .filter(([verb]) => verb !== 'watch')
        .reduce((sum, [, n]) => sum + n, 0);
      process.stderr.write(`API requests for one two-task run: ${total} ${JSON.stringify(perRun)}\n`);
      // Creates: the token Secret, 2 Pods, 3 Events; patches: finalizer, ready annotations, statuses,
      // archived (17 in all here, docs/kubernetes.md).
      expect(perRun.create).toBeGreaterThanOrEqual(3);
      expect(perRun.delete).toBe(2);
      expect(total).toBeLessThan(40);
    } finally {
      await ctl.stop();
      await proxy.close();
      ctl = startController(k, k.controllerKubeconfig());
    }
  }, 180_000);
});

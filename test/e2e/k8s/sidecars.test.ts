// Sidecars on a real control plane (kube-apiserver 1.34, PodSecurity restricted) with the podman test
// node: a Kiln PipelineRun whose task has a sidecar (an HTTP server with a readinessProbe) that its
// steps talk to and one without a probe whose note they read, both shipped to the collector as
// `sidecar-NAME`, and sidecars that never become ready. The test node runs native sidecars as a
// kubelet does: their startupProbe passes before the steps get the go-ahead, they are stopped after
// the last step, and one that exits or fails its probe is restarted with a back-off (CrashLoopBackOff).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Watch, type V1Pod } from '@kubernetes/client-node';
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
// A port free now on the node's host network (bound and closed), not a random guess.
import { freeFixedPort } from '../../../testkit/log-proxy-pod.js';

const exec = promisify(execFile);
let k: K8sEnv;
let client: KubeClient;
let ctl: ControllerProcess;
let image: string;
/** Every version of every Pod seen, by name: the Pods are deleted once their run is archived. */
const podVersions = new Map<string, V1Pod[]>();
let stopWatch: (() => void) | undefined;

beforeAll(async () => {
  image = await ensureStepImage();
  k = await startK8sEnv({ controller: false });
  client = createKubeClient(k.admin);
  // A sidecar that never becomes ready is a start failure: fail its task a few seconds in.
  ctl = startController(k, k.controllerKubeconfig(), ['--start-failure-grace', '3s']);
  const w = await new Watch(k.admin).watch(
    `/api/v1/namespaces/${k.namespace}/pods`,
    {},
    (_type, pod: V1Pod) => podVersions.set(pod.metadata!.name!, [...(podVersions.get(pod.metadata!.name!) ?? []), pod]),
    () => {},
  );
  stopWatch = () => w.abort();
}, 3_600_000);

afterAll(async () => {
  stopWatch?.();
  await ctl?.stop();
  await k?.stop();
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
  );
}

/** The run once archived, which must have Succeeded, with its logs as `kiln logs` prints them. */
async function succeeded(name: string): Promise<{ r: PipelineRunResource; logs: string }> {
  const r = await ended(name);
  const logs = (
    await exec(process.execPath, [`${REPO}/dist/kiln.mjs`, 'logs', r.status!.runId!], { env: k.env, timeout: 60_000 })
  ).stdout;
  expect(r.status!.conditions![0], `${JSON.stringify(r.status!.taskRuns)}\n${logs}`).toMatchObject({
    status: 'True',
    reason: 'Succeeded',
  });
  return { r, logs };
}

const create = (name: string, pipelineSpec: unknown) =>
  client.createPipelineRun(k.namespace, {
    apiVersion: 'kiln.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name },
    spec: { pipelineSpec },
  } as PipelineRunResource);

describe('sidecars on a real API server with a podman node', () => {
  it('a step talks to its sidecar once it is ready; the sidecar is stopped after the steps; logs at the collector', async () => {
    const port = await freeFixedPort();
    await create('served', {
      // Unbound, so an emptyDir: the sidecar serves from it (the step image has nothing writable).
      workspaces: ['www', 'notes'],
      tasks: {
        api: {
          image,
          sidecars: [
            {
              name: 'server',
              workspaces: [{ name: 'www' }],
              // Ready only two seconds in: a step started before the probe passed would find no server.
              script: `cd $(workspaces.www.path); sleep 2; echo pong > ping\ntrap 'echo stopped by TERM; kill $!; exit 0' TERM\nhttpd -f -p ${port} -h . & wait`,
              readinessProbe: { httpGet: { path: '/ping', port }, periodSeconds: 1, failureThreshold: 10 },
            },
          ],
          steps: [
            { name: 'ask', run: `wget -q -O - http://127.0.0.1:${port}/ping` },
            { name: 'after', run: 'echo asked' },
          ],
        },
        noted: {
          image,
          sidecars: [
            {
              // No probe: the first step waits until its agent says it has settled (its CPU work
              // done, the note written, asleep), as on the host engine and podman; started at
              // once, it would find no note. The loop (≈ 0.35 s alone) must end within the settle
              // bound (5 s) on a loaded machine: 400 000 turns (1.4 s alone) did not, once, in CI.
              name: 'notes',
              script: `i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done; echo noted > $(workspaces.notes.path)/note; echo note written; exec sleep 600`,
            },
          ],
          steps: [{ name: 'read', run: 'cat $(workspaces.notes.path)/note' }],
        },
      },
    });
    const { r, logs } = await succeeded('served');
    expect(r.status!.taskRuns!.find((t) => t.name === 'api')!.steps.map((s) => [s.name, s.status])).toEqual([
      ['ask', 'Succeeded'],
      ['after', 'Succeeded'],
    ]);
    expect(logs).toContain('api/ask | pong');
    expect(logs).toContain('api/after | asked');
    expect(logs).toContain('noted/read | noted');
    // A sidecar's output is shipped as the host engine and podman ship it, to its TERM trap's last line.
    expect(logs).toContain('api/sidecar-server | stopped by TERM');
    expect(logs).toContain('noted/sidecar-notes | note written');
    // The Pod as the node reported it: the sidecar ended by its TERM trap (exit 0) after the last step had ended.
    const lastStatus = (container: string) =>
      (podVersions.get('served-api') ?? [])
        .map((p) =>
          [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].find(
            (c) => c.name === container,
          ),
        )
        .map((c) => c?.state?.terminated)
        .find((t) => t !== undefined);
    const stopped = await until('the sidecar seen stopped', async () => lastStatus('sidecar-server'), 60_000).catch(
      (err: Error) => {
        const seen = (podVersions.get('served-api') ?? []).map((p) => JSON.stringify(p.status?.initContainerStatuses));
        throw new Error(`${err.message}\n${seen.join('\n')}`);
      },
    );
    expect(stopped.exitCode).toBe(0);
    const lastStep = lastStatus('step-after')!;
    expect(new Date(stopped.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(lastStep.finishedAt!).getTime());
  }, 300_000);

  it('a sidecar that exits fails its task with SidecarNotReady; one whose probe never passes holds the steps until the task times out (readiness never kills it); no step runs', async () => {
    const closed = await freeFixedPort();
    await create('unready', {
      tasks: {
        exits: {
          image,
          sidecars: [
            {
              name: 'quits',
              script: 'echo bye; exit 3',
              readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
            },
          ],
          steps: [{ run: 'echo should not run' }],
        },
        never: {
          image,
          timeout: '20s',
          sidecars: [
            {
              name: 'deaf',
              script: 'exec sleep 600',
              readinessProbe: { tcpSocket: { port: closed }, periodSeconds: 1, failureThreshold: 2 },
            },
          ],
          steps: [{ run: 'echo should not run' }],
        },
      },
    });
    const r = await ended('unready');
    expect(r.status!.conditions![0]).toMatchObject({ status: 'False' });
    const byName = Object.fromEntries(r.status!.taskRuns!.map((t) => [t.name, t]));
    expect(r.status!.taskRuns, JSON.stringify(r.status!.taskRuns)).toHaveLength(2);
    expect(byName.exits).toMatchObject({ status: 'Failed', reason: 'SidecarNotReady' });
    expect(byName.never).toMatchObject({ status: 'TimedOut' });
    const described = await k.kubectl('describe', 'kpr', 'unready');
    expect(described).toMatch(/Warning\s+TaskFailed\s+.*task exits Failed: SidecarNotReady/);
    expect(byName.exits.steps[0]).toMatchObject({ status: 'Failed', reason: 'SidecarNotReady' });
    expect(byName.never.steps[0]?.status).not.toBe('Succeeded');
  }, 300_000);
  it('a sidecar that crashes after the steps started is restarted (restartPolicy: Always) and the task goes on', async () => {
    const w = '$(workspaces.flags.path)';
    await create('restarts', {
      workspaces: ['flags'],
      tasks: {
        api: {
          image,
          sidecars: [
            {
              name: 'flaky',
              // Its second start says so; its first waits for the step's word, then crashes.
              script: `if [ -f ${w}/crashed ]; then echo back again; touch ${w}/back; exec sleep 600; fi\nwhile [ ! -f ${w}/go ]; do sleep 0.2; done\ntouch ${w}/crashed; echo crashing; exit 1`,
              readinessProbe: { exec: { command: ['sh', '-c', 'exit 0'] }, periodSeconds: 1 },
            },
          ],
          steps: [
            {
              name: 'go',
              run: `touch ${w}/go; i=0; while [ ! -f ${w}/back ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; test -f ${w}/back && echo sidecar back`,
            },
          ],
        },
      },
    });
    const { logs } = await succeeded('restarts');
    // (Only the first start's lines reach the collector: its post file marked the spool complete.)
    expect(logs).toContain('sidecar back');
    expect(logs).toContain('crashing');
    const restarts = (podVersions.get('restarts-api') ?? []).map(
      (p) => p.status?.initContainerStatuses?.find((c) => c.name === 'sidecar-flaky')?.restartCount ?? 0,
    );
    expect(Math.max(...restarts)).toBe(1);
  }, 300_000);
});

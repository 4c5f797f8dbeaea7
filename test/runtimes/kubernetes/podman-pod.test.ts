// A real pod: buildah builds the agent image (images/agent: FROM scratch + the portable /kiln tree)
// and a step image holding only a static busybox; the pod builder renders the Pod of a three-step
// task; podman runs it with `kube play --network none`. The init container copies the agent in,
// the steps run in order in their own containers, the failing step skips the last, and each
// step's termination message (read back with `podman cp`) holds its results and exit code.
//
// podman 4.3 lacks a few Kubernetes features the builder uses; runtimes/podman's playablePod swaps
// only these, each for its nearest equivalent (see runtimes/podman/manifest.ts).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadRun } from '../../../cli/kubernetes-options.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import { readTermination } from '../../../contract/index.js';
import { planForTask } from '../../../engine/preview.js';
import { playablePod, writePlayablePod } from '../../../runtimes/podman/index.js';
import { buildStepImage, containers, type Containers } from '../../../testkit/podman.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../../..');
const AGENT_IMAGE = 'localhost/kiln-agent:podman-test';
let c: Containers;
let work: string;
const podman = (...args: string[]) => c.podman(...args);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/kiln/bin/kiln-agent')))
    await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 300_000 });
  c = containers('kiln-podman-');
  work = c.work;
  await c.buildah('bud', '-t', AGENT_IMAGE, '-f', join(ROOT, 'images/agent/Dockerfile'), ROOT);
  await buildStepImage(c, ROOT);
}, 300_000);

afterAll(() => c?.close());

function renderPod(): V1Pod {
  const loaded = loadRun([join(ROOT, 'test/runtimes/kubernetes/fixtures/three-step.yaml')], {});
  const plan = planForTask(
    {
      runName: 'pt',
      pipeline: loaded.pipeline,
      params: loaded.params,
      workspaces: loaded.workspaces,
      collector: { url: 'http://127.0.0.1:9', token: 'krt1.test' },
    },
    'build',
  );
  // As the podman engine plays it: container root, the invoking user under rootless podman.
  return buildPod(plan, {
    namespace: 'default',
    agentImage: AGENT_IMAGE,
    owner: { name: 'pt', uid: 'u' },
    podSecurity: 'restricted',
    runAsUser: 0,
  });
}

describe('the rendered Pod under podman', () => {
  it('copies the agent in, runs steps in order, skips after a failure, reports via termination messages', async () => {
    const pod = renderPod();
    const manifest = join(work, 'pod.yaml');
    const playable = playablePod(pod, join(work, 'volumes'), {}, 'krt1.test');
    writePlayablePod(playable);
    writeFileSync(manifest, stringify(playable.manifest));
    await podman('kube', 'play', '--network', 'none', manifest);
    const steps = pod.spec!.containers.map((c) => `pt-build-${c.name}`);
    expect(steps).toEqual(['pt-build-step-hello', 'pt-build-step-fail', 'pt-build-step-never']);
    // `podman wait` returns each container's exit code once it has exited (no polling).
    const { stdout } = await podman('wait', ...steps);
    expect(stdout.trim().split('\n').map(Number)).toEqual([0, 3, 1]);

    const termination = async (name: string) => {
      const to = join(work, `${name}.termination`);
      await podman('cp', `${name}:/kiln/termination`, to);
      return readTermination(readFileSync(to, 'utf8'))!;
    };
    const [hello, fail, never] = [
      await termination(steps[0]),
      await termination(steps[1]),
      await termination(steps[2]),
    ];
    expect(hello).toMatchObject({ exitCode: 0, results: { greeting: 'hello\n' } });
    expect(fail).toMatchObject({ exitCode: 3 });
    expect(fail.reason).toBeUndefined();
    expect(never).toMatchObject({ reason: 'Skipped' });
    expect(hello.startedAt).toBeLessThanOrEqual(fail.startedAt!);

    const logs = async (name: string) => (await podman('logs', name)).stdout;
    expect(await logs(steps[0])).toContain('said hello');
    expect(await logs(steps[1])).toContain('failing');
    expect(await logs(steps[2])).not.toContain('never ran');
    // The log proxy started with the builder's flags and is still trying to reach the collector.
    const proxy = (await podman('inspect', 'pt-build-kiln-log-proxy', '--format', '{{.State.Status}}')).stdout.trim();
    expect(proxy).toBe('running');
    await podman('kube', 'down', manifest);
  }, 180_000);
});

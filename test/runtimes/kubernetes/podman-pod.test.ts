// A real pod: buildah builds the agent image (images/agent: FROM scratch + the portable /kiln tree)
// and a step image holding only a static busybox; the pod builder renders the Pod of a three-step
// task; podman runs it with `kube play --network none`. The init container copies the agent in,
// the steps run in order in their own containers, the failing step skips the last, and each
// step's termination message (read back with `podman cp`) holds its results and exit code.
//
// podman 4.3 lacks three Kubernetes features the builder uses; only these are swapped, each for
// its nearest equivalent (everything else is the builder's output, unchanged):
//  - Downward API volumes (the ready file, the scripts): hostPath directories the test fills with
//    what the projections would hold (`READY`, each script annotation's text).
//  - Native sidecars (an init container with restartPolicy: Always would block the pod): the log
//    proxy runs as an ordinary container; its Secret volume becomes a hostPath with the token.
//  - Per-container termination message files (the kubelet bind-mounts a writable file at
//    terminationMessagePath): a per-container writable hostPath directory at its parent, /kiln.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ANNOTATIONS } from '../../../runtimes/kubernetes/labels.js';
import { loadRun } from '../../../cli/kubernetes-options.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import { readTermination } from '../../../contract/index.js';
import { planForTask } from '../../../engine/preview.js';
import { containers, type Containers } from './podman.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../../..');
const AGENT_IMAGE = 'localhost/kiln-agent:podman-test';
const STEP_IMAGE = 'localhost/kiln-step-busybox:test';
let c: Containers;
let work: string;
const podman = (...args: string[]) => c.podman(...args);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/kiln/bin/kiln-agent')))
    await run(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 300_000 });
  c = containers('kiln-podman-');
  work = c.work;
  const bb = join(work, 'busybox-context');
  mkdirSync(join(bb, 'bin'), { recursive: true });
  copyFileSync('/usr/bin/busybox', join(bb, 'bin/busybox'));
  symlinkSync('busybox', join(bb, 'bin/sh'));
  await c.buildah('bud', '-t', AGENT_IMAGE, '-f', join(ROOT, 'images/agent/Dockerfile'), ROOT);
  await c.buildah('bud', '-t', STEP_IMAGE, '-f', join(ROOT, 'images/step-busybox/Dockerfile'), bb);
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
  return buildPod(plan, { namespace: 'default', agentImage: AGENT_IMAGE, owner: { name: 'pt', uid: 'u' } });
}

/** The three swaps described at the top; returns the manifest podman plays. */
function forPodman(pod: V1Pod, dir: string): V1Pod {
  const out = structuredClone(pod);
  const spec = out.spec!;
  mkdirSync(join(dir, 'downward'), { recursive: true });
  writeFileSync(join(dir, 'downward/ready'), 'READY');
  mkdirSync(join(dir, 'scripts'));
  pod.spec!.containers.forEach((_, i) => {
    const text = pod.metadata!.annotations![ANNOTATIONS.script(i)];
    if (text !== undefined) writeFileSync(join(dir, 'scripts', String(i)), text, { mode: 0o555 });
  });
  mkdirSync(join(dir, 'token'));
  writeFileSync(join(dir, 'token/token'), 'krt1.test', { mode: 0o444 });
  spec.volumes = spec.volumes!.map((v) => {
    if (v.name === 'kiln-downward')
      return { name: v.name, hostPath: { path: join(dir, 'downward'), type: 'Directory' } };
    if (v.name === 'kiln-scripts') return { name: v.name, hostPath: { path: join(dir, 'scripts'), type: 'Directory' } };
    if (v.name === 'kiln-token') return { name: v.name, hostPath: { path: join(dir, 'token'), type: 'Directory' } };
    return v;
  });
  const sidecars = spec.initContainers!.filter((c) => c.restartPolicy === 'Always');
  spec.initContainers = spec.initContainers!.filter((c) => c.restartPolicy !== 'Always');
  spec.containers = [...spec.containers, ...sidecars.map(({ restartPolicy: _, ...c }) => c)];
  for (const c of spec.containers.filter((c) => c.terminationMessagePath)) {
    const term = join(dir, 'term', c.name);
    mkdirSync(term, { recursive: true });
    chmodSync(term, 0o777);
    spec.volumes.push({ name: `term-${c.name}`, hostPath: { path: term, type: 'Directory' } });
    c.volumeMounts!.unshift({ name: `term-${c.name}`, mountPath: '/kiln' });
  }
  return out;
}

describe('the rendered Pod under podman', () => {
  it('copies the agent in, runs steps in order, skips after a failure, reports via termination messages', async () => {
    const pod = renderPod();
    const manifest = join(work, 'pod.yaml');
    writeFileSync(manifest, stringify(forPodman(pod, join(work, 'volumes'))));
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

// buildah and podman as TOOLCHAIN.md says they work here: vfs storage (in a private directory, so
// parallel builds of other engineers do not meet), runc with cgroupfs, and no default ulimits.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './kiln-cli.js';

const run = promisify(execFile);

export interface Containers {
  work: string;
  /** For a `kiln run --engine podman` child: KILN_PODMAN and CONTAINERS_CONF naming this store. */
  env: NodeJS.ProcessEnv;
  podman(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  buildah(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export function containers(prefix: string): Containers {
  const work = mkdtempSync(join(tmpdir(), prefix));
  // The sandbox forbids raising rlimits.
  writeFileSync(join(work, 'containers.conf'), '[containers]\ndefault_ulimits = []\n');
  const env = { ...process.env, CONTAINERS_CONF: join(work, 'containers.conf') };
  const storage = ['--root', join(work, 'storage'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs'];
  const opts = { env, timeout: 120_000, maxBuffer: 16 << 20 };
  const global = [...storage, '--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
  const podman = (...args: string[]) => run('podman', [...global, ...args], opts);
  return {
    work,
    env: { ...env, KILN_PODMAN: ['podman', ...global].join(' ') },
    podman,
    buildah: (...args: string[]) => run('buildah', [...storage, ...args], opts),
    async close() {
      await podman('pod', 'rm', '-f', '-a').catch(() => undefined);
      await podman('rm', '-f', '-a').catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Polls a container's logs until `text` appears (podman has no event for a log line). */
export async function waitForLog(c: Containers, name: string, text: string, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { stdout, stderr } = await c.podman('logs', name);
    if ((stdout + stderr).includes(text)) return stdout + stderr;
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for "${text}" in the logs of ${name}:\n${stdout}${stderr}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const STEP_IMAGE = 'localhost/kiln-step-busybox:test';

/** images/step-busybox: nothing but a static busybox, FROM scratch. */
export async function buildStepImage(c: Containers, root: string): Promise<string> {
  const bb = join(c.work, 'busybox-context');
  mkdirSync(join(bb, 'bin'), { recursive: true });
  copyFileSync('/usr/bin/busybox', join(bb, 'bin/busybox'));
  symlinkSync('busybox', join(bb, 'bin/sh'));
  await c.buildah('bud', '-t', STEP_IMAGE, '-f', join(root, 'images/step-busybox/Dockerfile'), bb);
  return STEP_IMAGE;
}

/** What a run may have left in the store: containers, pods, volumes (names, one per line). */
export async function leftovers(c: Containers): Promise<string[]> {
  const lines = async (...args: string[]) => (await c.podman(...args)).stdout.split('\n').filter(Boolean);
  return [
    ...(await lines('ps', '-a', '--format', 'container {{.Names}}')),
    ...(await lines('pod', 'ls', '--format', 'pod {{.Name}}')),
    ...(await lines('volume', 'ls', '--format', 'volume {{.Name}}')),
  ];
}

/**
 * What an engine test against podman starts from: the CLI built (once, when dist/ is missing), a
 * containers store of its own, the step image in it and a scratch directory for the runs.
 */
export async function startEngineSuite(prefix: string): Promise<{ c: Containers; image: string; root: string }> {
  if (!existsSync(join(REPO, 'dist/kiln.mjs')))
    await run(process.execPath, ['scripts/build.mjs'], { cwd: REPO, timeout: 300_000 });
  const c = containers(prefix);
  return { c, image: await buildStepImage(c, REPO), root: await mkdtemp(join(tmpdir(), `${prefix}run-`)) };
}

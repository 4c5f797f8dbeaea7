// buildah and podman as TOOLCHAIN.md says they work here: vfs storage (in a private directory, so
// parallel builds of other engineers do not meet), runc with cgroupfs, and no default ulimits.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Containers {
  work: string;
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
  const podman = (...args: string[]) =>
    run('podman', [...storage, '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', ...args], opts);
  return {
    work,
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

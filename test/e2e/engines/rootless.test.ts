// Rootless podman: `kiln run --engine podman` as an unprivileged user (`nobody`, which has no
// /etc/subuid range here, so podman maps only uid 0 of the container to the user) runs a Pod with
// a result and its logs, and leaves nothing in that user's store. The test needs root to become
// `nobody`, and the repository readable by it; both hold here and in CI.
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../contract/index.js';
import { REPO } from '../../../testkit/kiln-cli.js';
import { STEP_IMAGE } from '../../../testkit/podman.js';

const run = promisify(execFile);
const canBecomeNobody =
  process.getuid?.() === 0 &&
  spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', join(REPO, 'dist/kiln.mjs')]).status === 0;

describe.skipIf(!canBecomeNobody)('rootless podman', () => {
  const home = mkdtempSync(join(tmpdir(), 'kiln-rootless-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const global = ['--storage-driver', 'vfs', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
  const env = [
    'PATH=/usr/bin:/bin',
    `HOME=${home}`,
    `XDG_RUNTIME_DIR=${join(home, 'xdg')}`,
    `CONTAINERS_CONF=${join(home, 'containers.conf')}`,
    `KILN_PODMAN=podman ${global.join(' ')}`,
  ];
  const asNobody = (cwd: string, ...argv: string[]) =>
    run('runuser', ['-u', 'nobody', '--', 'env', '-i', ...env, ...argv], {
      cwd,
      maxBuffer: 16 << 20,
      timeout: 240_000,
    });

  it('runs a Pod as an unprivileged user: result, logs, nothing left', async () => {
    mkdirSync(join(home, 'ctx/bin'), { recursive: true });
    mkdirSync(join(home, 'work'));
    copyFileSync('/usr/bin/busybox', join(home, 'ctx/bin/busybox'));
    symlinkSync('busybox', join(home, 'ctx/bin/sh'));
    writeFileSync(join(home, 'containers.conf'), '[containers]\ndefault_ulimits = []\n');
    writeFileSync(
      join(home, 'work/pipeline.yaml'),
      `name: rootless\ntasks:\n  hello:\n    image: ${STEP_IMAGE}\n    results: [greeting]\n    steps:\n` +
        `      - run: echo hello-rootless && printf hi > $(results.greeting.path)\n`,
    );
    spawnSync('chown', ['-R', 'nobody', home]);
    await asNobody(
      home,
      'buildah',
      '--storage-driver',
      'vfs',
      'bud',
      '-q',
      '-t',
      STEP_IMAGE,
      '-f',
      join(REPO, 'images/step-busybox/Dockerfile'),
      join(home, 'ctx'),
    );
    const out = await asNobody(
      join(home, 'work'),
      process.execPath,
      join(REPO, 'bin/kiln.js'),
      'run',
      'pipeline.yaml',
      '--engine',
      'podman',
      '--json',
    );
    const record = JSON.parse(out.stdout) as RunRecord;
    expect(record.status).toBe('Succeeded');
    expect(record.tasks[0]!.results).toEqual({ greeting: 'hi' });
    const logs = await asNobody(join(home, 'work'), process.execPath, join(REPO, 'bin/kiln.js'), 'logs', record.id);
    expect(logs.stdout).toContain('hello-rootless');
    const left = await asNobody(home, 'podman', ...global, 'ps', '-a', '--format', '{{.Names}}');
    expect(left.stdout.trim()).toBe('');
    const pods = await asNobody(home, 'podman', ...global, 'pod', 'ls', '--format', '{{.Name}}');
    expect(pods.stdout.trim()).toBe('');
  }, 300_000);
});

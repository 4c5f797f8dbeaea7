// The controller and collector images (images/*/Dockerfile) build with buildah from scratch and
// run under podman: the single executable finds its loader and libraries, the collector loads
// better-sqlite3 from disk and opens its store in /data as the non-root user.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containers, waitForLog, type Containers } from '../../testkit/podman.js';

const ROOT = join(import.meta.dirname, '../..');
let c: Containers;

beforeAll(async () => {
  // Always rebuilt: the tree bundles the current CLI.
  await promisify(execFile)(process.execPath, ['images/build-cli-tree.mjs'], { cwd: ROOT, timeout: 300_000 });
  c = containers('kiln-images-');
  await c.buildah(
    'bud',
    '-t',
    'localhost/kiln-controller:test',
    '-f',
    join(ROOT, 'images/controller/Dockerfile'),
    ROOT,
  );
  await c.buildah('bud', '-t', 'localhost/kiln-collector:test', '-f', join(ROOT, 'images/collector/Dockerfile'), ROOT);
}, 300_000);
afterAll(() => c?.close());

describe('images', () => {
  it('controller: runs as the non-root user and checks its flags', async () => {
    const version = await c.podman('run', '--rm', '--network', 'none', 'localhost/kiln-controller:test', '--version');
    expect(version.stdout.trim()).toBe('0.1.0');
    const user = await c.podman('image', 'inspect', 'localhost/kiln-controller:test', '--format', '{{.Config.User}}');
    expect(user.stdout.trim()).toBe('65532:65532');
    const bad = await c
      .podman('run', '--rm', '--network', 'none', 'localhost/kiln-controller:test', 'controller', '--qps', '-1')
      .catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--qps -1: give a number above 0');
  }, 60_000);

  it('collector: starts on SQLite in /data', async () => {
    await c.podman('run', '-d', '--name', 'kiln-collector-test', '--network', 'none', 'localhost/kiln-collector:test');
    const logs = await waitForLog(c, 'kiln-collector-test', 'listening on');
    expect(logs).toContain('kiln collector: listening on http://127.0.0.1:8790 (store: sqlite)');
    await c.podman('rm', '-f', 'kiln-collector-test');
  }, 60_000);
});

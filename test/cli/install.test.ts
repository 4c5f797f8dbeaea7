// The package as a user installs it: `npm pack` (prepack builds), `npm install -g` of that tarball
// into a temporary prefix, then that `kiln` on the PATH runs a pipeline from an unrelated directory,
// reads its logs back, finds the template catalog, and its hints say `kiln …`, not `npx kiln …`.
// Slow (a 68 MB tarball, one install of the dependencies): one pack, one install for the file.
// --prefer-offline, not --offline: the lockfile install put the tarballs in npm's cache, not the
// registry's package documents a global install resolves ranges with; once fetched, they are cached.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../testkit/kiln-cli.js';

const exec = promisify(execFile);
const INSTALL_TIMEOUT = 600_000;

let tmp: string;
let work: string;
let env: NodeJS.ProcessEnv;

async function kiln(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('kiln', args, { cwd: work, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kiln-install-'));
  const prefix = join(tmp, 'prefix');
  await exec('npm', ['pack', '--pack-destination', tmp], { cwd: REPO, maxBuffer: 16 << 20 });
  const tarball = join(
    tmp,
    readdirSync(tmp).find((f) => f.endsWith('.tgz'))!,
  );
  await exec('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: tmp,
    maxBuffer: 16 << 20,
  });
  work = join(tmp, 'elsewhere');
  mkdirSync(work);
  // Only the installed kiln on the PATH: the repository's bin/ and node_modules/.bin are not on it.
  env = { ...process.env, PATH: [join(prefix, 'bin'), '/usr/bin', '/bin'].join(delimiter) };
  writeFileSync(
    join(work, 'pipeline.yaml'),
    'name: installed\ntasks:\n  say:\n    steps:\n      - name: echo\n        run: echo hello-from-installed-kiln\n',
  );
}, INSTALL_TIMEOUT);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('kiln installed from its npm package', () => {
  it('runs a pipeline outside the repository, keeps its logs, and hints with `kiln`', async () => {
    const run = await kiln('run', 'pipeline.yaml');
    expect(run.code, run.stderr).toBe(0);
    const id = /logs: +kiln logs (\S+)/.exec(run.stdout + run.stderr)?.[1];
    expect(id, run.stdout + run.stderr).toBeDefined();
    expect(run.stdout + run.stderr).not.toContain('npx kiln');

    const logs = await kiln('logs', id!);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello-from-installed-kiln');
  });

  it('ships the template catalog', async () => {
    const templates = await kiln('templates');
    expect(templates.code, templates.stderr).toBe(0);
    expect(templates.stdout).toContain('notify/slack');
  });
});

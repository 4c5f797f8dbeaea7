// The download-free install: `node images/build-cli-tree.mjs --workstation` makes dist/workstation/kiln,
// the CLI as one Node single executable with the agent beside it and its own C library, to be
// copied to /opt/kiln. Mounted there (bubblewrap, so this machine's /opt is left as it is), its
// `kiln run` runs a pipeline from an unrelated directory, `kiln logs` reads it back, and the hints
// it prints say `kiln`, not `npx kiln`. Needs root (to mount) and bwrap; both hold here and in CI.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../testkit/kiln-cli.js';

const run = promisify(execFile);
const canMount = process.getuid?.() === 0 && spawnSync('bwrap', ['--version']).status === 0;

describe.skipIf(!canMount)('the single-executable kiln', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kiln-sea-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const tree = join(REPO, 'dist/workstation/kiln');
  const kiln = (...args: string[]) =>
    run(
      'bwrap',
      [
        '--bind',
        '/',
        '/',
        '--bind',
        tree,
        '/opt/kiln',
        '--dev',
        '/dev',
        '--proc',
        '/proc',
        '--chdir',
        cwd,
        '--',
        'env',
        '-i',
        'PATH=/opt/kiln/bin:/usr/bin:/bin',
        `HOME=${cwd}`,
        '/opt/kiln/bin/kiln',
        ...args,
      ],
      { timeout: 120_000, maxBuffer: 16 << 20 },
    );

  it('runs a pipeline from anywhere once at /opt/kiln, and reads it back', async () => {
    await run(process.execPath, ['images/build-cli-tree.mjs', '--workstation'], { cwd: REPO, timeout: 300_000 });
    mkdirSync('/opt/kiln', { recursive: true }); // the mount point
    writeFileSync(
      join(cwd, 'pipeline.yaml'),
      'name: sea\ntasks:\n  hello:\n    steps:\n      - run: echo hello-from-the-single-executable\n',
    );
    const ran = await kiln('run', 'pipeline.yaml');
    expect(ran.stdout).toMatch(/sea sea-\w+: Succeeded/);
    const id = /logs: +kiln logs (sea-\w+)/.exec(ran.stdout)?.[1];
    expect(id, ran.stdout).toBeDefined();
    expect(ran.stdout).not.toContain('npx kiln');
    const logs = await kiln('logs', id!);
    expect(logs.stdout).toContain('hello-from-the-single-executable');
  }, 300_000);
});

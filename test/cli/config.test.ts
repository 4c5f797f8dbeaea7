// The settings file ($XDG_CONFIG_HOME/kiln/config.yaml) and what `kiln collector` and
// `kiln run --help` say about the collector's secrets, as a user sees them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, KILN, requireBuild, runKiln } from '../../testkit/log-proxy-pod.js';

let dir: string;
let env: Record<string, string>;
const kiln = (args: string[], extra: Record<string, string> = {}) => runKiln(dir, args, { ...env, ...extra });

beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
  env = { XDG_CONFIG_HOME: join(dir, 'xdg') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kiln config', () => {
  it('sets, gets and unsets settings in $XDG_CONFIG_HOME/kiln/config.yaml (mode 0600)', async () => {
    expect((await kiln(['config', 'set', 'collector', 'http://127.0.0.1:9'])).status).toBe(0);
    expect((await kiln(['config', 'set', 'token', 's3cret'])).status).toBe(0);
    const file = join(dir, 'xdg/kiln/config.yaml');
    expect(readFileSync(file, 'utf8')).toBe('collector: http://127.0.0.1:9\ntoken: s3cret\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await kiln(['config', 'get', 'collector'])).stdout).toBe('http://127.0.0.1:9\n');
    expect((await kiln(['config', 'get'])).stdout).toBe('collector: http://127.0.0.1:9\ntoken: s3cret\n');
    const bad = await kiln(['config', 'set', 'colector', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('config key "colector" is unknown\n  hint: did you mean "collector"?');
  });

  it('stands in for KILN_COLLECTOR where the environment does not set it; the environment wins', async () => {
    const fromFile = await kiln(['runs']);
    expect(fromFile.status).toBe(1);
    expect(fromFile.stderr).toContain('cannot reach the collector at http://127.0.0.1:9');
    const fromEnv = await kiln(['runs'], { KILN_COLLECTOR: 'http://127.0.0.1:8' });
    expect(fromEnv.stderr).toContain('cannot reach the collector at http://127.0.0.1:8');
    await kiln(['config', 'unset', 'collector']);
    expect((await kiln(['config', 'get', 'collector'])).status).toBe(1);
  });
});

describe('what the CLI says about the collector', () => {
  it('kiln run --help lists KILN_COLLECTOR and KILN_COLLECTOR_SECRET', async () => {
    const help = (await kiln(['run', '--help'])).stdout;
    expect(help).toMatch(/^ {2}KILN_COLLECTOR {9}ship to this collector/m);
    expect(help).toMatch(/^ {2}KILN_COLLECTOR_SECRET {2}that collector's write secret/m);
  });

  it('kiln collector prints where its write secret and reader token are, and the lines to use them', async () => {
    const p = spawn(process.execPath, [KILN, 'collector', '--listen', '127.0.0.1:0'], {
      cwd: dir,
      // A settings file of its own: the token set above would stand in for the reader token file.
      env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg-empty'), KILN_TOKEN: '', KILN_COLLECTOR_SECRET: '' },
    });
    let err = '';
    await new Promise<void>((resolve) =>
      p.stderr.on('data', (d: Buffer) => {
        err += d;
        if (err.includes('kiln config set token')) resolve();
      }),
    );
    p.kill('SIGTERM');
    await exited(p);
    const url = /listening on (\S+)/.exec(err)![1]!;
    const secret = join(dir, '.kiln/collector-secret');
    const token = join(dir, '.kiln/reader-token');
    expect(err).toContain(`kiln collector: write secret in ${secret}; to run pipelines into this collector:\n`);
    expect(err).toContain(`  export KILN_COLLECTOR=${url} KILN_COLLECTOR_SECRET="$(cat ${secret})"\n`);
    expect(err).toContain(`  export KILN_COLLECTOR=${url} KILN_TOKEN="$(cat ${token})"\n`);
  });
});

// A host runner's own environment: its run's, less NODE_EXTRA_CA_CERTS unless its collector is
// reached over https (Node 20 reads the named bundle at every start); the steps keep the variable,
// as the runtime gives them the run's environment.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_MARKER_ENV } from '../../../contract/proc/index.js';
import { runnerProcessEnv } from '../../../contract/proc/index.js';
import { requireBuild, runKiln } from '../../../testkit/log-proxy-pod.js';

const base = { PATH: '/usr/bin:/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', KILN_TOKEN: 't' };

describe('runnerProcessEnv', () => {
  it('leaves NODE_EXTRA_CA_CERTS out for a plain-HTTP collector and keeps it for an https one', () => {
    expect(runnerProcessEnv(base, 'run-1', false)).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    expect(runnerProcessEnv(base, 'run-1', true).NODE_EXTRA_CA_CERTS).toBe(base.NODE_EXTRA_CA_CERTS);
  });

  it('is the run environment otherwise: the run marker, no Kiln credentials, the caller’s object untouched', () => {
    const env = runnerProcessEnv(base, 'run-1', false);
    expect(env).toEqual({ PATH: '/usr/bin:/bin', [RUN_MARKER_ENV]: 'run-1' });
    expect(base.NODE_EXTRA_CA_CERTS).toBeDefined();
  });
});

describe('kiln run with NODE_EXTRA_CA_CERTS set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-runner-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts its runner without it and gives the steps it', async () => {
    requireBuild();
    // The step's parent is the runner (no read-only workspace: no bubblewrap between them).
    const script = [
      'echo "parent=$(tr "\\0" " " < /proc/$PPID/cmdline)"',
      'echo "parent-has=$(tr "\\0" "\\n" < /proc/$PPID/environ | grep -c "^NODE_EXTRA_CA_CERTS=")" || true',
      'echo "step-has=$NODE_EXTRA_CA_CERTS"',
    ].join('\n');
    const yaml = `name: env\ntasks:\n  show:\n    steps:\n      - run: |\n${script
      .split('\n')
      .map((l) => `          ${l}`)
      .join('\n')}\n`;
    writeFileSync(join(dir, 'p.yaml'), yaml);
    const { status, stdout, stderr } = await runKiln(dir, ['run', 'p.yaml'], {
      NODE_EXTRA_CA_CERTS: base.NODE_EXTRA_CA_CERTS,
    });
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(/parent=\S*kiln-agent host/);
    expect(stdout).toContain('parent-has=0');
    expect(stdout).toContain(`step-has=${base.NODE_EXTRA_CA_CERTS}`);
  });
});

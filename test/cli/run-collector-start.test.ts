// `kiln run` begins its first task runs while its embedded collector starts: when the collector
// cannot start (here a .kiln/kiln.db that is not a database), the run it had begun is stopped, no
// process of it is left, and kiln run fails with the collector's error, as it did before it began.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_MARKER_ENV } from '../../contract/proc/index.js';
import { requireBuild, runKiln, waitFor } from '../../testkit/log-proxy-pod.js';

/** Processes whose run marker names a run of this pipeline (its id is not printed when the collector fails). */
function processesOf(runPrefix: string): number[] {
  return readdirSync('/proc').flatMap((name) => {
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      return env.some((e) => e.startsWith(`${RUN_MARKER_ENV}=${runPrefix}`)) ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

let dir: string;
beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'kiln-collector-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kiln run whose embedded collector cannot start', () => {
  it('stops the run it had begun and exits with the collector error', async () => {
    mkdirSync(join(dir, '.kiln'));
    writeFileSync(join(dir, '.kiln/kiln.db'), 'this is not a SQLite database, not even its header\n'.repeat(200));
    writeFileSync(join(dir, 'p.yaml'), 'name: nodb\ntasks:\n  a:\n    steps:\n      - run: sleep 30\n');
    const started = Date.now();
    const { status, stderr } = await runKiln(dir, ['run', 'p.yaml']);
    expect(status).toBe(70);
    expect(stderr).toContain('file is not a database');
    // Stopped, not run to its end.
    expect(Date.now() - started).toBeLessThan(20_000);
    await waitFor('no process of the run', () => processesOf('nodb-').length === 0, 10_000);
  });
});

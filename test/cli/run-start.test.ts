// How `kiln run` starts: its host runner before it reads the files (a bad file leaves no runner
// behind), its first task runs while its embedded collector starts (a collector that cannot start,
// here a .kiln/kiln.db that is not a database, stops the run it had begun, no process of it is
// left, and kiln run fails with the collector's error, as it did before it began).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markedProcesses, RUN_MARKER_ENV } from '../../contract/proc/index.js';
import { exited, KILN, requireBuild, runKiln, waitFor } from '../../testkit/log-proxy-pod.js';

/** Processes whose run marker starts with a run name's prefix (the run's id is not printed when the collector fails). */
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

describe('kiln run starting', () => {
  it('closes the runner it started before reading a file it then refuses', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\ntasks:\n  a:\n    stepz: []\n');
    const kiln = spawn(process.execPath, [KILN, 'run', 'bad.yaml'], { cwd: dir, stdio: 'ignore' });
    // The runner is started before the file is read, so it can be seen before kiln run ends.
    const marker = `kiln-run:${kiln.pid}`;
    const first = await waitFor('its runner, or its end', () =>
      markedProcesses(marker).length > 0 ? 'runner' : kiln.exitCode !== null && 'ended',
    );
    expect(first).toBe('runner');
    expect(await exited(kiln)).toBe(2);
    await waitFor('no runner left', () => markedProcesses(marker).length === 0, 10_000);
  });

  it('whose embedded collector cannot start stops the run it had begun and exits with the collector error', async () => {
    mkdirSync(join(dir, '.kiln'));
    writeFileSync(join(dir, '.kiln/kiln.db'), 'this is not a SQLite database, not even its header\n'.repeat(200));
    writeFileSync(join(dir, 'p.yaml'), 'name: nodb\ntasks:\n  a:\n    steps:\n      - run: sleep 30\n');
    const started = Date.now();
    const { status, stderr } = await runKiln(dir, ['run', 'p.yaml']);
    expect(status).toBe(70);
    expect(stderr).toContain(
      `${join(dir, '.kiln/kiln.db')} cannot be opened as Kiln's history: file is not a database`,
    );
    expect(stderr).toContain('hint: move it aside');
    expect(stderr).not.toContain('internal error');
    // Stopped, not run to its end.
    expect(Date.now() - started).toBeLessThan(20_000);
    await waitFor('no process of the run', () => processesOf('nodb-').length === 0, 10_000);
  });
});

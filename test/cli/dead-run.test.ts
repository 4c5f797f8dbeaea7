// `kiln run` SIGKILLed mid-run: the history says so when read (not Running forever), `kiln logs -f`
// on it ends, and the next `kiln run` in the directory stores it as ended.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectReader, openStore } from '../../collector/index.js';
import { exited, KILN, requireBuild, runKiln, waitFor } from '../../testkit/log-proxy-pod.js';

let dir: string;
beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'kiln-dead-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a run whose kiln process died', () => {
  it('is read as Failed with the reason, its logs -f ends, and the next kiln run stores it so', async () => {
    const pidFile = join(dir, 'step.pid');
    writeFileSync(
      join(dir, 'p.yaml'),
      `name: dies\ntasks:\n  wait:\n    steps:\n      - run: echo before the kill; echo $$ > ${pidFile}; exec sleep 60\n`,
    );
    const kiln = spawn(process.execPath, [KILN, 'run', 'p.yaml'], { cwd: dir, stdio: 'ignore' });
    await waitFor('the step to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    const db = `sqlite:${join(dir, '.kiln/kiln.db')}`;
    const id = await waitFor('the line to be stored', async () => {
      // The embedded collector makes its store once the step has its go-ahead, maybe after it starts.
      if (!existsSync(join(dir, '.kiln/kiln.db'))) return false;
      const reader = await connectReader({ db });
      try {
        const [run] = (await reader.listRuns({})).runs;
        return run && (await reader.readLogs(run.id, {})).lines.length > 0 && run.id;
      } finally {
        await reader.close?.();
      }
    });
    kiln.kill('SIGKILL');
    await exited(kiln);

    const runs = await runKiln(dir, ['runs', '--json']);
    expect(JSON.parse(runs.stdout)).toMatchObject([{ id, status: 'Failed' }]);
    expect((await runKiln(dir, ['runs', '--status', 'Running', '--json'])).stdout.trim()).toBe('[]');
    const reader = await connectReader({ db });
    expect((await reader.getRun(id))?.reason).toMatch(/^KilnProcessGone: the kiln process running it \(pid \d+ on /);
    await reader.close?.();

    const follow = await runKiln(dir, ['logs', id, '-f']);
    expect(follow.status).toBe(0);
    expect(follow.stdout).toBe('before the kill\n');

    // Read-only readers only show it; the next embedded collector stores it.
    const raw = await openStore(db, { readonly: true });
    expect((await raw.getRun(id))?.status).toBe('Running');
    await raw.close();
    writeFileSync(join(dir, 'ok.yaml'), 'name: ok\ntasks:\n  a:\n    steps: [{ run: "true" }]\n');
    expect((await runKiln(dir, ['run', 'ok.yaml'])).status).toBe(0);
    const after = await openStore(db, { readonly: true });
    expect((await after.getRun(id))?.status).toBe('Failed');
    await after.close();
  });
});

// An approval gate in a run `kiln serve` started from a signed delivery: the gate waits at the
// server's own collector, a named token minted with the server's secret approves it with
// `kiln approve` (the collector found from the run's record), and the run goes on.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../testkit/kiln-cli.js';
import { deliver, followRun, getRun, startKilnServe, type KilnServe } from '../../testkit/kiln-serve.js';
import { until } from '../../testkit/kubeconfig.js';

const run = promisify(execFile);
const SECRET = 'hook-secret-for-the-gate';

describe('kiln serve with an approval gate', () => {
  let dir: string;
  let serve: KilnServe;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-serve-gate-'));
    writeFileSync(join(dir, 'hook-secret'), SECRET + '\n');
    writeFileSync(
      join(dir, 'release.yaml'),
      `name: release\nparams:\n  revision: {}\ntasks:\n  build:\n    steps: [{ run: "echo built $(params.revision)" }]\n  gate:\n    needs: [build]\n    approval: { message: "ship $(params.revision)?", approvers: [release] }\n  ship:\n    needs: [gate]\n    steps: [{ run: "echo shipped $(params.revision)" }]\n`,
    );
    writeFileSync(
      join(dir, 'triggers.yaml'),
      `triggers:\n  - name: release\n    pipeline: release.yaml\n    source: generic\n    secretFile: hook-secret\n    params: { revision: $(body.after) }\n`,
    );
    serve = await startKilnServe(['--triggers', 'triggers.yaml'], { cwd: dir });
  });
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits at the server, and kiln approve lets the triggered run go on', async () => {
    const accepted = await deliver(serve.url, 'release', {
      source: 'generic',
      secret: SECRET,
      id: 'd-1',
      body: { after: 'v1' },
    });
    expect(accepted.status).toBe(202);
    const id = accepted.body.run as string;
    const gate = async () => (await getRun(serve, id)).tasks.find((t) => t.name === 'gate');
    // Waiting, with its message substituted: what people decide on is at the collector.
    await until('gate waiting', async () => {
      const g = await gate();
      return g?.status === 'Running' && g.approval?.message === 'ship v1?';
    });
    const kiln = (args: string[], env: Record<string, string> = {}) =>
      run(process.execPath, [join(REPO, 'bin/kiln.js'), ...args], { cwd: dir, env: { ...process.env, ...env } });
    const alice = (await kiln(['token', 'create', 'alice', '--group', 'release'])).stdout.trim();
    const ok = await kiln(['approve', id, 'gate'], { KILN_TOKEN: alice, KILN_COLLECTOR: serve.url });
    expect(ok.stdout).toMatch(new RegExp(`^${id} gate: approved by alice at `));
    const record = await followRun(serve, id);
    expect(record.status).toBe('Succeeded');
    expect(record.tasks.map((t) => [t.name, t.status])).toEqual([
      ['build', 'Succeeded'],
      ['gate', 'Succeeded'],
      ['ship', 'Succeeded'],
    ]);
  });
});

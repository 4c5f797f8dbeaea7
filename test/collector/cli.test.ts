// `kiln runs`, `kiln logs`, `kiln search` as real processes: straight from .kiln/kiln.db in the
// working directory (what a user has right after `kiln run`), and from a collector over HTTP.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/index.js';
import { CollectorClient } from '../../collector/client/index.js';
import { KILN, requireBuild, runKiln } from '../../testkit/log-proxy-pod.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';
import { sendLines } from '../../testkit/log-lines.js';

const kiln = runKiln;

describe('kiln runs / logs / search', () => {
  let cwd: string;
  let c: RunningCollector;
  beforeAll(async () => {
    requireBuild();
    cwd = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
    c = await startCollector({ db: `sqlite:${join(cwd, '.kiln/kiln.db')}`, stateDir: join(cwd, '.kiln') });
    const client = new CollectorClient(c.url);
    await client.postRun(
      runRecord('r-old', {
        status: 'Failed',
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:01:05.000Z',
      }),
      c.mintRunToken(testClaims('r-old')),
    );
    await client.postRun(
      runRecord('r-new', {
        status: 'Succeeded',
        startedAt: '2026-02-01T00:00:00.000Z',
        finishedAt: '2026-02-01T00:00:03.000Z',
      }),
      c.mintRunToken(testClaims('r-new')),
    );
    await sendLines(c, 'r-new', 'test', ['first line', 'needle in here', 'last line'], true);
  });
  afterAll(async () => {
    await c?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('reads the local store with no collector named, while a collector holds it open', async () => {
    const logs = await kiln(cwd, ['logs', 'r-new']);
    expect(logs.stderr).toBe('');
    expect(logs.stdout).toBe(
      'r-new-build/test | first line\nr-new-build/test | needle in here\nr-new-build/test | last line\n',
    );
    const runs = await kiln(cwd, ['runs', '--json']);
    expect(JSON.parse(runs.stdout).map((r: { id: string }) => r.id)).toEqual(['r-new', 'r-old']);
    const table = (await kiln(cwd, ['runs', '--status', 'Failed'])).stdout.split('\n');
    expect(table[0]).toMatch(/^RUN\s+PIPELINE\s+STATUS\s+STARTED\s+DURATION$/);
    expect(table[1]).toMatch(/^r-old\s+web-app\s+Failed\s+2026-01-01T00:00:00.000Z\s+1m05s$/);
    expect((await kiln(cwd, ['search', 'NEEDLE'])).stdout).toBe('r-new/r-new-build/test:1: needle in here\n');
  });

  it('stops quietly when its reader goes away (`kiln logs RUN | head -1`)', async () => {
    await new CollectorClient(c.url).postRun(runRecord('r-many'), c.mintRunToken(testClaims('r-many')));
    await sendLines(
      c,
      'r-many',
      'spam',
      Array.from({ length: 2000 }, (_, i) => `line ${i}`),
      true,
    );
    const child = spawn(process.execPath, [KILN, 'logs', 'r-many'], {
      cwd,
      env: { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const [code] = await new Promise<[number | null]>((res) => child.on('close', (c) => res([c])));
    expect(stderr).toBe('');
    expect(code).toBe(141); // as a shell reports a process ended by SIGPIPE
  });

  it('reads a collector over HTTP with the reader token, and says why without it', async () => {
    const ok = await kiln(cwd, ['logs', 'r-new', '--step', 'test'], {
      KILN_COLLECTOR: c.url,
      KILN_TOKEN: c.readerToken,
    });
    expect(ok.stdout).toBe('first line\nneedle in here\nlast line\n');
    const denied = await kiln(cwd, ['runs'], { KILN_COLLECTOR: c.url });
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('answered 401');
    expect(denied.stderr).toContain('hint: pass the reader token');
  });

  it('follows a run until its step ends (-f)', async () => {
    await new CollectorClient(c.url).postRun(runRecord('r-live'), c.mintRunToken(testClaims('r-live')));
    const p = spawn(process.execPath, [KILN, 'logs', 'r-live', '-f', '--step', 'live'], {
      env: { ...process.env, KILN_COLLECTOR: c.url, KILN_TOKEN: c.readerToken },
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((r) => p.once('exit', r));
    await sendLines(c, 'r-live', 'live', ['one', 'two'], true);
    expect(await exited).toBe(0);
    expect(out).toBe('one\ntwo\n');
  });

  it('fails clearly for an unknown run and a missing store', async () => {
    const unknown = await kiln(cwd, ['logs', 'nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('run nope is unknown');
    const empty = mkdtempSync(join(tmpdir(), 'kiln-cli-empty-'));
    const none = await kiln(empty, ['runs']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no run history here');
    rmSync(empty, { recursive: true });
  });
});

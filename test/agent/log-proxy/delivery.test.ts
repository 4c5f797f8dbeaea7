// Nothing lost, nothing twice: the built agent's entrypoint and log proxy against a real
// `kiln collector` process, with the collector or the proxy SIGKILLed mid-run.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type { LogProxyReport } from '../../../contract/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CollectorClient } from '../../../collector/client/index.js';
import { readPositionFile } from '../../../agent/log-proxy/state-files.js';
import { runRecord } from '../../../testkit/store-fixtures.js';
import { exited, numberedLines, Pod, requireBuild, startCollectorIn, waitFor } from '../../../testkit/log-proxy-pod.js';

const LINES = 200_000;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(run: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-delivery-'));
  const collector = await startCollectorIn(dir);
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => {
      collector.proc?.kill('SIGKILL');
    },
  );
  const pod = new Pod(join(dir, 'pod'), ['count', 'after']);
  const client = new CollectorClient(collector.url, collector.readerToken);
  await client.postRun(runRecord(run), collector.runToken(run));
  return { collector, pod, client };
}

/** Every line of the run through the API, page by page. */
async function allLines(client: CollectorClient, run: string) {
  const out: { step: string; seq: number; text: string }[] = [];
  let from: string | undefined;
  do {
    const page = await client.readLogs(run, { from, limit: 10_000 });
    out.push(...page.lines);
    from = page.next ?? undefined;
  } while (from);
  return out;
}

function expectEveryLineOnce(lines: { step: string; seq: number; text: string }[]) {
  const counted = lines.filter((l) => l.step === 'count');
  expect(counted.length).toBe(LINES);
  // In order, each exactly once: seq i holds `line i`.
  const firstBad = counted.findIndex((l, i) => l.seq !== i || l.text !== `line ${i}`);
  expect(firstBad).toBe(-1);
  expect(lines.filter((l) => l.step === 'after').map((l) => l.text)).toEqual(['done']);
}

describe('log delivery with real processes', () => {
  beforeAll(requireBuild);

  it('loses and duplicates nothing while the collector is SIGKILLed twice and restarted', async () => {
    const run = 'kill-collector';
    const { collector, pod, client } = await setup(run);
    const proxy = pod.proxy({ collector: collector.url, token: collector.runToken(run), run, task: `${run}-t` });
    cleanups.push(() => {
      proxy.kill('SIGKILL');
    });
    const steps = [pod.step(0, numberedLines(LINES)), pod.step(1, 'echo done')];
    for (const threshold of [20_000, 90_000]) {
      await waitFor(`${threshold} lines acked`, () => pod.ackedSeq(0) >= threshold);
      await collector.kill();
      await collector.start();
    }
    expect(await exited(proxy)).toBe(0);
    expect(await Promise.all(steps.map(exited))).toEqual([0, 0]);
    await client.patchRun(
      { id: run, status: 'Succeeded', finishedAt: new Date().toISOString() },
      collector.runToken(run),
    );
    expectEveryLineOnce(await allLines(client, run));
    expect(await client.getRun(run)).toMatchObject({ id: run, status: 'Succeeded', params: { revision: 'main' } });
  });

  it('resumes from its acked offsets when the log proxy itself is SIGKILLed and restarted', async () => {
    const run = 'kill-proxy';
    const { collector, pod, client } = await setup(run);
    const opts = { collector: collector.url, token: collector.runToken(run), run, task: `${run}-t` };
    const first = pod.proxy(opts);
    cleanups.push(() => {
      first.kill('SIGKILL');
    });
    const steps = [pod.step(0, numberedLines(LINES)), pod.step(1, 'echo done')];
    await waitFor('30000 lines acked', () => pod.ackedSeq(0) >= 30_000);
    first.kill('SIGKILL');
    await exited(first);
    const resumedAt = pod.ackedSeq(0);
    const second = pod.proxy(opts);
    cleanups.push(() => {
      second.kill('SIGKILL');
    });
    expect(await exited(second)).toBe(0);
    expect(await Promise.all(steps.map(exited))).toEqual([0, 0]);
    expect(resumedAt).toBeGreaterThanOrEqual(30_000);
    expectEveryLineOnce(await allLines(client, run));
  });

  it('gives up after -deadline when the collector stays down, naming what it could not deliver', async () => {
    const run = 'no-collector';
    const { collector, pod } = await setup(run);
    await collector.kill();
    const proxy = pod.proxy({
      collector: collector.url,
      token: collector.runToken(run),
      run,
      task: `${run}-t`,
      deadline: '300ms',
    });
    cleanups.push(() => {
      proxy.kill('SIGKILL');
    });
    await Promise.all([exited(pod.step(0, 'echo one; echo two')), exited(pod.step(1, 'echo done'))]);
    expect(await exited(proxy)).toBe(1);
    expect(proxy.stderrText()).toContain(`step 0 (count): 2 lines from seq 0 (spool ${pod.logDir}/0.spool, byte 0)`);
    expect(proxy.stderrText()).toContain('cannot reach the collector');
    const report = JSON.parse(readFileSync(join(pod.stateDir, 'undelivered.json'), 'utf8')) as LogProxyReport;
    expect(report.steps.map((s) => [s.step, s.lines])).toEqual([
      ['count', 2],
      ['after', 1],
    ]);
  });

  it('carries on when its state directory is full (ENOSPC on a real 2 MB tmpfs) and space returns', async () => {
    const run = 'full-state';
    const { pod, collector, client } = await setup(run);
    const state = join(pod.root, 'state');
    mkdirSync(state);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', state]);
    cleanups.push(() => {
      execFileSync('umount', ['-l', state]);
    });
    const filler = join(state, 'filler');
    fillUntilFull(filler);
    const proxy = pod.proxy({
      collector: collector.url,
      token: collector.runToken(run),
      run,
      task: `${run}-t`,
      stateDir: state,
    });
    cleanups.push(() => {
      proxy.kill('SIGKILL');
    });
    const steps = [pod.step(0, numberedLines(LINES)), pod.step(1, 'echo done')];
    await waitFor('the proxy to say a position could not be saved', () => proxy.stderrText().includes('ENOSPC'));
    rmSync(filler);
    await Promise.all(steps.map(exited));
    expect(await exited(proxy)).toBe(0);
    expect(proxy.stderrText()).toMatch(/position is saved again/);
    expectEveryLineOnce(await allLines(client, run));
    expect(readdirSync(state).sort()).toEqual(['0.position', '1.position']);
    expect(readPositionFile(join(state, '0.position'))).toMatchObject({ seq: LINES, eof: true });
  });
});

/** Writes to `file` until the file system is full. */
function fillUntilFull(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (;;) writeSync(fd, Buffer.alloc(64 * 1024, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

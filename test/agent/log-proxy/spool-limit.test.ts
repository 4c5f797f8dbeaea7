// The spool's limit with real processes: while the collector is down, a step's spool stops at
// about -spool_limit bytes not acked and the step waits in its writes (it does not end, nothing is
// dropped); the proxy says so; once the collector is back every line is stored once, in order.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CollectorClient } from '../../../collector/client/index.js';
import { spoolFileIn, spoolGateFile } from '../../../contract/index.js';
import { runRecord } from '../../../testkit/store-fixtures.js';
import { exited, Pod, requireBuild, startCollectorIn, waitFor } from '../../../testkit/log-proxy-pod.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LIMIT = 64 * 1024;
const LINES = 100_000;

describe('the spool limit', () => {
  beforeAll(requireBuild);

  it('holds a step back while the collector is down and delivers every line once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-spool-limit-'));
    const collector = await startCollectorIn(dir);
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => collector.proc?.kill('SIGKILL'),
    );
    const run = 'held';
    const client = new CollectorClient(collector.url, collector.readerToken);
    await client.postRun(runRecord(run), collector.runToken(run));
    await collector.kill(); // down before the step starts

    const pod = new Pod(join(dir, 'pod'), ['flood']);
    const proxy = pod.proxy({
      collector: collector.url,
      token: collector.runToken(run),
      run,
      task: 't',
      args: ['-spool_limit', '64K'],
    });
    const spool = spoolFileIn(pod.logDir, 0);
    await waitFor('the proxy to set the gate', () => statSync(spoolGateFile(spool), { throwIfNoEntry: false }));
    const step = pod.step(0, `seq 0 ${LINES - 1}`);
    let stepExited = false;
    void exited(step).then(() => (stepExited = true));
    await waitFor('the proxy to say the step is held', () => proxy.stderrText().includes('held back'));
    // Held: nothing acks, so the spool may not grow past the gate by more than the chunks read at it.
    const held = statSync(spool).size;
    expect(held).toBeGreaterThanOrEqual(LIMIT);
    expect(held).toBeLessThan(LIMIT + 256 * 1024);
    expect(stepExited).toBe(false);
    expect(proxy.stderrText()).toMatch(/step 0 \(flood\): \d+ bytes of .* not acked, its limit \(-spool_limit 65536\)/);

    await collector.start();
    expect(await exited(step)).toBe(0);
    expect(await exited(proxy)).toBe(0);
    expect(proxy.stderrText()).toContain('its output flows');
    const texts: string[] = [];
    let from: string | undefined;
    do {
      const page = await client.readLogs(run, { from, limit: 10_000 });
      texts.push(...page.lines.map((l) => `${l.seq}=${l.text}`));
      from = page.next ?? undefined;
    } while (from);
    expect(texts.length).toBe(LINES);
    expect(texts.findIndex((t, i) => t !== `${i}=${i}`)).toBe(-1);
    // The proxy lifted its gate when it was done.
    expect(statSync(spoolGateFile(spool), { throwIfNoEntry: false })).toBeUndefined();
  });
});

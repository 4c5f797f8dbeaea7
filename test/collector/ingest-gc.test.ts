// A flood of logs costs the collector no full garbage collection (contract/stream-garbage/): Node's
// HTTP parser hands a body over in 64 KiB buffers outside the V8 heap, and left to V8 they piled up
// until "external memory pressure" started mark-compacts on the event loop (3–4 per 64 MB, 3–12 ms
// each). A real `kiln collector` under node's --trace-gc takes 64 MB from the real log proxy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, Pod, requireBuild, startCollectorIn, type CollectorProcess } from '../../testkit/log-proxy-pod.js';

const MB = 64;
const LINES = (MB * 1024 * 1024) / 128;

describe('collector ingest and the garbage collector', () => {
  let dir: string;
  let collector: CollectorProcess;
  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'kiln-ingest-gc-'));
    collector = await startCollectorIn(dir, ['--trace-gc']);
  });
  afterAll(async () => {
    if (collector?.proc) await collector.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Ships `lines` lines of 128 bytes from a spool written beforehand; answers what V8 printed meanwhile. */
  async function flood(run: string, lines: number): Promise<string[]> {
    const pod = new Pod(join(dir, run), ['s']);
    expect(await exited(pod.step(0, `yes ${'x'.repeat(127)} | head -n ${lines}`))).toBe(0);
    const before = collector.stdout.length;
    const proxy = pod.proxy({ collector: collector.url, token: collector.runToken(run), run, task: 't' });
    expect(await exited(proxy)).toBe(0);
    expect(pod.ackedSeq(0)).toBe(lines);
    return collector.stdout.slice(before).split('\n');
  }

  it(`stores ${MB} MB of lines without a full collection`, async () => {
    // A first, smaller flood: a new process's old space grows to its working size with one
    // mark-compact, whatever the logs do.
    await flood('warm-up', LINES / 4);
    // Without the young collections after each body: 3–4 mark-compacts here. V8's memory reducer
    // (a full collection once a process goes quiet after allocating) is its idle policy, not the flood's.
    const traced = await flood('flood', LINES);
    expect(traced.filter((l) => / Mark-Compact /.test(l) && !/memory reducer/.test(l))).toEqual([]);
    expect(traced.filter((l) => / Scavenge /.test(l)).length).toBeGreaterThan(0); // --trace-gc is on
  });
});

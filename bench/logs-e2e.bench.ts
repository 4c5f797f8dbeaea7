// End to end: a step's stdout through the entrypoint's spool and the log proxy into a `kiln
// collector` process (SQLite), against the same bytes written to a local file; and the latency
// from a line printed to the same line seen through follow (SSE).
// KILN_BENCH_E2E_MB (default 64) sets the volume; BENCH_REPEAT (default 5) the rounds, each a file
// write, a spool-only step and a step shipped to the same collector process (a new run each), in
// turn. The first shipped step meets a collector that has stored nothing yet (its code not yet
// optimised by V8, its SQLite WAL file still growing): it is printed apart from the rest, which are
// what a collector service that has been running sees. Each measurement starts on a quiet machine:
// the page cache written back (sync) and the collector done with the round before (its WAL
// checkpoint runs after the writes rest, and would otherwise slow the next round's file write,
// flattering the ratio); the dirty pages of one measurement are written back before the next. The
// pod's processes get a container's environment, not this machine's (testkit Pod).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectorClient } from '../collector/client/index.js';
import { median } from './agent-stats.js';
import { exited, Pod, requireBuild, startCollectorIn } from '../testkit/log-proxy-pod.js';

requireBuild();
const MB = Number(process.env.KILN_BENCH_E2E_MB ?? 64);
const REPEAT = Math.max(2, Number(process.env.BENCH_REPEAT ?? 5));
const LINE = 'x'.repeat(99); // 100 bytes with its newline
const lines = Math.floor((MB * 1024 * 1024) / 100);
const bytes = lines * 100;
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-e2e-'));
const collector = await startCollectorIn(dir);

const rate = (ms: number) =>
  `${(bytes / 1048576 / (ms / 1000)).toFixed(1)} MB/s, ${Math.round(lines / (ms / 1000)).toLocaleString('en')} lines/s`;

/** CPU time of a process, all its threads, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Dirty pages written back, then the collector's CPU still for 200 ms (at most 10 s). */
async function quiet(pid: number): Promise<void> {
  spawnSync('sync');
  const end = Date.now() + 10_000;
  for (let before = cpuTicks(pid); Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 200));
    const now = cpuTicks(pid);
    if (now === before) return;
    before = now;
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

try {
  const produce = `yes ${LINE} | head -n ${lines}`;
  const fileMs: number[] = [];
  const spoolMs: number[] = [];
  const storeMs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const pid = collector.proc!.pid!;
    await quiet(pid);
    fileMs.push(await timed(() => exited(spawn('sh', ['-c', `${produce} > ${join(dir, `plain-${i}.log`)}`]))));
    const spoolPod = new Pod(join(dir, `spool-only-${i}`), ['s']);
    await quiet(pid);
    spoolMs.push(await timed(() => exited(spoolPod.step(0, produce))));
    const run = `bench-e2e-${i}`;
    const pod = new Pod(join(dir, `pod-${i}`), ['s']);
    await quiet(pid);
    storeMs.push(
      await timed(async () => {
        const proxy = pod.proxy({ collector: collector.url, token: collector.runToken(run), run, task: 't' });
        await Promise.all([exited(pod.step(0, produce)), exited(proxy)]);
      }),
    );
    rmSync(join(dir, `plain-${i}.log`));
  }
  const file = median(fileMs);
  const range = (xs: number[]) => `(${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  const ratio = (ms: number) => `${(file / ms).toFixed(2)}× the file write (goal ≥ 0.25×)`;
  const [cold, ...warm] = storeMs;
  console.log(`throughput, ${MB} MB in ${lines.toLocaleString('en')} lines of 100 bytes, medians of ${REPEAT} rounds:`);
  console.log(
    `  baseline: step's command > local file            ${file.toFixed(0)} ms ${range(fileMs)}  ${rate(file)}`,
  );
  console.log(
    `  entrypoint → spool only (no shipping)            ${median(spoolMs).toFixed(0)} ms ${range(spoolMs)}  ${rate(median(spoolMs))}`,
  );
  console.log(
    `  stdout → spool → log proxy → collector store     ${median(warm).toFixed(0)} ms ${range(warm)}  ${rate(median(warm))}  ${ratio(median(warm))}`,
  );
  console.log(
    `    the first, into a collector that had stored nothing: ${cold!.toFixed(0)} ms  ${rate(cold!)}  ${ratio(cold!)}`,
  );

  // Latency: each line is the time it was printed; the follower compares with its clock.
  const lrun = 'bench-latency';
  const client = new CollectorClient(collector.url, collector.readerToken);
  await client.postRun(
    { id: lrun, name: 'web-app', status: 'Running', startedAt: new Date().toISOString(), params: {}, tasks: [] },
    collector.runToken(lrun),
  );
  const lpod = new Pod(join(dir, 'latency'), ['tick']);
  const proxy = lpod.proxy({ collector: collector.url, token: collector.runToken(lrun), run: lrun, task: 't' });
  const printed = 300;
  const step = lpod.step(
    0,
    `${JSON.stringify(process.execPath)} -e "let n=0;const t=setInterval(()=>{console.log(Date.now());if(++n===${printed})clearInterval(t)},10)"`,
  );
  const lat: number[] = [];
  const spoolLat: number[] = [];
  for await (const line of client.followLogs(lrun, { step: 'tick' })) {
    lat.push(Date.now() - Number(line.text));
    spoolLat.push(line.time - Number(line.text));
  }
  await Promise.all([exited(step), exited(proxy)]);
  const pct = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  console.log(`latency, ${lat.length} lines printed 10 ms apart:`);
  console.log(
    `  baseline: printed → in the pod's spool      median ${pct(spoolLat, 0.5)} ms  p99 ${pct(spoolLat, 0.99)} ms`,
  );
  console.log(`  printed → visible through follow (SSE)     median ${pct(lat, 0.5)} ms  p99 ${pct(lat, 0.99)} ms`);
} finally {
  await collector.kill();
  rmSync(dir, { recursive: true, force: true });
}

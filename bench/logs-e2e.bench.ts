// End to end: a step's stdout through the entrypoint's spool and the log proxy into a `kiln
// collector` process (SQLite), against the same bytes written to a local file; and the latency
// from a line printed to the same line seen through follow (SSE).
// KILN_BENCH_E2E_MB (default 64) sets the volume.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectorClient } from '../collector/client/index.js';
import { exited, Pod, requireBuild, startCollectorIn } from '../testkit/log-proxy-pod.js';

requireBuild();
const MB = Number(process.env.KILN_BENCH_E2E_MB ?? 64);
const LINE = 'x'.repeat(99); // 100 bytes with its newline
const lines = Math.floor((MB * 1024 * 1024) / 100);
const bytes = lines * 100;
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-e2e-'));
const collector = await startCollectorIn(dir);

const rate = (ms: number) =>
  `${(bytes / 1048576 / (ms / 1000)).toFixed(1)} MB/s, ${Math.round(lines / (ms / 1000)).toLocaleString('en')} lines/s`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

try {
  const produce = `yes ${LINE} | head -n ${lines}`;
  const fileMs = await timed(() => exited(spawn('sh', ['-c', `${produce} > ${join(dir, 'plain.log')}`])));
  const spoolPod = new Pod(join(dir, 'spool-only'), ['s']);
  const spoolMs = await timed(() => exited(spoolPod.step(0, produce)));
  const run = 'bench-e2e';
  const pod = new Pod(join(dir, 'pod'), ['s']);
  const storeMs = await timed(async () => {
    const proxy = pod.proxy({ collector: collector.url, token: collector.runToken(run), run, task: 't' });
    await Promise.all([exited(pod.step(0, produce)), exited(proxy)]);
  });
  console.log(`throughput, ${MB} MB in ${lines.toLocaleString('en')} lines of 100 bytes:`);
  console.log(`  baseline: step's command > local file        ${fileMs.toFixed(0)} ms  ${rate(fileMs)}`);
  console.log(`  entrypoint → spool only (no shipping)        ${spoolMs.toFixed(0)} ms  ${rate(spoolMs)}`);
  console.log(`  stdout → spool → log proxy → collector store ${storeMs.toFixed(0)} ms  ${rate(storeMs)}`);

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

// kiln serve: signed deliveries accepted per second (each: signature, decision, the delivery log
// and queue entry committed with fsync, the Queued run record), beside, in the same run and server,
// deliveries filtered out (signature and decision, a log row) and GET /healthz (the HTTP floor).
// The runs stay queued behind one that waits: what is measured is the intake, not the runs.
//   npx tsx bench/serve-deliveries.bench.ts        (BENCH_DELIVERIES, BENCH_PARALLEL to resize)
import { rmSync } from 'node:fs';
import { startKilnServe } from '../testkit/kiln-serve.js';
import { deliverMany, pushBody, serveScratch } from '../testkit/serve-bench.js';

const N = Number(process.env.BENCH_DELIVERIES ?? 400);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 16);
const dir = serveScratch({
  intake: 'name: intake\nparams:\n  revision: {}\ntasks:\n  wait:\n    steps:\n      - run: sleep 3600\n',
});
const serve = await startKilnServe(['--triggers', 'triggers.yaml', '--max-concurrent-runs', '1'], { cwd: dir });
try {
  const health = async () => {
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next++ < N) await (await fetch(`${serve.url}/healthz`)).arrayBuffer();
      }),
    );
    return performance.now() - start;
  };
  await health(); // warm-up
  const healthMs = await health();
  const filteredMs = await deliverMany(serve.url, 'intake', N, PARALLEL, (i) => pushBody(`f${i}`, 'feature'), 200);
  const acceptedMs = await deliverMany(serve.url, 'intake', N, PARALLEL, (i) => pushBody(`a${i}`), 202);
  const rate = (ms: number) => `${((N / ms) * 1000).toFixed(0)}/s`;
  console.log(`${N} requests each, ${PARALLEL} in flight, one kiln serve on SQLite`);
  console.log(`  GET /healthz (baseline: HTTP floor)          ${rate(healthMs)}`);
  console.log(`  deliveries filtered out (signature, decision) ${rate(filteredMs)}`);
  console.log(`  deliveries accepted (queued, fsynced, record) ${rate(acceptedMs)}`);
} finally {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
}

// kiln serve: runs started per second from a burst of deliveries (--max-concurrent-runs 4, a
// one-step pipeline), from the first delivery to the last run's first step; beside, in the same
// run, the same pipeline started by `kiln run` one after another (a new process each).
//   npx tsx bench/serve-runs.bench.ts        (BENCH_RUNS to resize)
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../testkit/kiln-cli.js';
import { followRun, startKilnServe } from '../testkit/kiln-serve.js';
import { deliverMany, pushBody, serveScratch } from '../testkit/serve-bench.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 16);
const PIPELINE = 'name: quick\nparams:\n  revision: {}\ntasks:\n  t:\n    steps:\n      - run: date +%s%3N\n';
const dir = serveScratch({ quick: PIPELINE });

const serve = await startKilnServe(['--triggers', 'triggers.yaml', '--max-concurrent-runs', '4'], { cwd: dir });
let serveMs: number;
try {
  const start = Date.now();
  await deliverMany(serve.url, 'quick', RUNS, RUNS, (i) => pushBody(`r${i}`), 202);
  const runIds: string[] = [];
  const res = await fetch(`${serve.url}/v1/runs?limit=500`, { headers: { authorization: `Bearer ${serve.token}` } });
  for (const r of ((await res.json()) as { runs: { id: string }[] }).runs) runIds.push(r.id);
  let lastStep = 0;
  for (const id of runIds) {
    const record = await followRun(serve, id);
    if (record.status !== 'Succeeded') throw new Error(`run ${id} ${record.status}`);
    lastStep = Math.max(lastStep, Date.parse(record.tasks[0]!.startedAt!));
  }
  serveMs = lastStep - start;
} finally {
  await serve.stop();
}

const runFile = join(dir, 'quick.yaml');
const start = performance.now();
const SEQUENTIAL = Math.min(RUNS, 6);
for (let i = 0; i < SEQUENTIAL; i++)
  execFileSync(process.execPath, [join(REPO, 'bin/kiln.js'), 'run', runFile, '--param', `revision=s${i}`], {
    cwd: dir,
    stdio: 'ignore',
  });
const kilnRunMs = performance.now() - start;
rmSync(dir, { recursive: true, force: true });

const perSecond = (n: number, ms: number) => `${((n / ms) * 1000).toFixed(1)}/s`;
console.log(`${RUNS} deliveries at once to kiln serve --max-concurrent-runs 4 (host engine, one step each)`);
console.log(`  kiln serve: runs started (first delivery → last run's first task)  ${perSecond(RUNS, serveMs)}`);
console.log(
  `  baseline: kiln run one after another (${SEQUENTIAL} runs)              ${perSecond(SEQUENTIAL, kilnRunMs)}`,
);

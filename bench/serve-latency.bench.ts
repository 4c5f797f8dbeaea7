// Time from a webhook to the first step of its run: the step prints the clock (ms) and the bench
// subtracts the time it sent the delivery, one delivery at a time, median of BENCH_REPEAT. Beside
// it, in the same run, `kiln run` of the same pipeline: from spawning the process to the step.
// The anchor: GitHub Actions reports queue times of seconds.
//   npx tsx bench/serve-latency.bench.ts        (BENCH_REPEAT to resize)
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../testkit/kiln-cli.js';
import { deliver, followRun, startKilnServe } from '../testkit/kiln-serve.js';
import { BENCH_SECRET, median, pushBody, serveScratch } from '../testkit/serve-bench.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const dir = serveScratch({
  clock: 'name: clock\nparams:\n  revision: {}\ntasks:\n  t:\n    steps:\n      - run: date +%s%3N\n',
});
const stepTime = (text: string) => Number(/\b(\d{13})\b/.exec(text)?.[1] ?? NaN);

const serveMs: number[] = [];
const serve = await startKilnServe(['--triggers', 'triggers.yaml'], { cwd: dir });
try {
  for (let i = 0; i < REPEAT; i++) {
    const sent = Date.now();
    const d = await deliver(serve.url, 'clock', {
      source: 'generic',
      secret: BENCH_SECRET,
      id: `l-${i}`,
      body: pushBody(`l${i}`),
    });
    const run = d.body.run as string;
    await followRun(serve, run);
    const logs = await fetch(`${serve.url}/v1/runs/${run}/logs`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    serveMs.push(stepTime(JSON.stringify(await logs.json())) - sent);
  }
} finally {
  await serve.stop();
}

const kilnRunMs: number[] = [];
for (let i = 0; i < REPEAT; i++) {
  const spawned = Date.now();
  const out = execFileSync(
    process.execPath,
    [join(REPO, 'bin/kiln.js'), 'run', join(dir, 'clock.yaml'), '--param', 'revision=x'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  kilnRunMs.push(stepTime(out) - spawned);
}
rmSync(dir, { recursive: true, force: true });

console.log(`webhook to first step, host engine, median of ${REPEAT} (all: ${serveMs.join(', ')} ms)`);
console.log(`  kiln serve: POST /v1/hooks/clock → the step runs   ${median(serveMs)} ms`);
console.log(
  `  baseline: kiln run spawned → the step runs         ${median(kilnRunMs)} ms (all: ${kilnRunMs.join(', ')})`,
);
console.log('  anchor: GitHub Actions queue time, seconds (not measured here)');

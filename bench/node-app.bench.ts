// examples/node-app with a warm cache, run as a user runs it (`kiln run` in a checkout, the cache
// restored by the install step, the embedded collector, the logs shipped), against the same
// commands by hand in the same checkout with node_modules already there (a shell script: lint,
// test, build, check the digest, run the app, the report's echo). Interleaved, median of
// BENCH_REPEAT (default 5). The goal: at most 2× the commands by hand. Also printed, from the run
// record (`--json`): the install task (the cache restored, npm skipped) and its restore's own time.
//   npx tsx bench/node-app.bench.ts
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineNote, median, REPO, withoutExtraCaCerts } from './agent-stats.js';

const envNote = withoutExtraCaCerts();
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const GOAL = 2;
const scratch = mkdtempSync(join(tmpdir(), 'kiln-bench-node-app-'));
const checkout = join(scratch, 'checkout');
const artifacts = join(scratch, 'by-hand');

function timed(label: string, file: string, args: string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(file, args, { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

interface Phases {
  install: number;
  restore: number;
}

/** The install task's time and its cache restore's, from the run record. */
function phases(record: string): Phases {
  const run = JSON.parse(record) as {
    tasks: { name: string; startedAt: string; finishedAt: string; steps: { cache?: { seconds: number } }[] }[];
  };
  const install = run.tasks.find((t) => t.name === 'install')!;
  return {
    install: Date.parse(install.finishedAt) - Date.parse(install.startedAt),
    restore: (install.steps[0]?.cache?.seconds ?? NaN) * 1000,
  };
}

const kilnRun = () =>
  timed('kiln run', process.execPath, [
    join(REPO, 'bin/kiln.js'),
    'run',
    join(checkout, 'pipeline.yaml'),
    '--workspace',
    `source=${checkout}`,
    '--cache-dir',
    join(scratch, 'cache'),
    '--json',
  ]);

/** The pipeline's commands in order, as a developer would type them with node_modules in place. */
const byHand = join(scratch, 'by-hand.sh');
writeFileSync(
  byHand,
  `#!/bin/sh
set -e
cd ${checkout}
node scripts/lint.js
node --test test/ > /dev/null
mkdir -p ${artifacts}
node scripts/build.js ${artifacts} ${artifacts}/digest
actual="sha256:$(sha256sum ${artifacts}/app.js | cut -d' ' -f1)"
test "$actual" = "$(cat ${artifacts}/digest)"
node ${artifacts}/app.js "Hello from Kiln" > /dev/null
echo "pipeline Succeeded; build Succeeded" > /dev/null
`,
  { mode: 0o755 },
);

try {
  cpSync(join(REPO, 'examples/node-app'), checkout, {
    recursive: true,
    filter: (src) => !src.includes('node_modules'),
  });
  kilnRun(); // the first run: a miss, npm ci --offline, the cache saved
  kilnRun(); // warm: the file cache, the store
  const kiln: number[] = [];
  const hand: number[] = [];
  const install: Phases[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const run = kilnRun();
    kiln.push(run.ms);
    install.push(phases(run.stdout));
    hand.push(timed('by hand', byHand, []).ms);
  }
  const k = median(kiln);
  const h = median(hand);
  console.log(`examples/node-app, warm cache, median of ${REPEAT}, interleaved (${machineNote()}; ${envNote})`);
  // The range beside each median: on a loaded machine it says how far a ratio can be trusted.
  const range = (xs: number[]) => `(${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  console.log(`  the same commands by hand (node_modules in place)   ${h.toFixed(0).padStart(6)} ms ${range(hand)}`);
  console.log(
    `  kiln run (cache hit, embedded collector)            ${k.toFixed(0).padStart(6)} ms ${range(kiln)}   ratio ${(k / h).toFixed(2)}×  (goal ≤ ${GOAL}×)`,
  );
  const i = median(install.map((p) => p.install));
  const r = median(install.map((p) => p.restore));
  console.log(
    `    of which the install task (median)                ${i.toFixed(0).padStart(6)} ms, its cache restore ${r.toFixed(0)} ms`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

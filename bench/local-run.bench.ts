// `kiln run` overhead: 20 tasks × 3 steps of `true` through the engine, the local runtime and the
// real agent, against a shell script running the same 60 commands, in the same run.
//   npx tsx bench/local-run.bench.ts        (BENCH_TASKS, BENCH_STEPS, BENCH_REPEAT to resize)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline } from '../engine/index.js';
import { pipeline, step, task } from '../testkit/pipelines.js';
import { LocalRuntime, locateAgent } from '../runtimes/host/index.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 20);
const STEPS = Number(process.env.BENCH_STEPS ?? 3);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const scratch = mkdtempSync(join(tmpdir(), 'kiln-bench-'));

const spec = pipeline(
  Array.from({ length: TASKS }, (_, t) =>
    task(`t${t}`, { steps: Array.from({ length: STEPS }, (_, s) => step('true', { name: `s${s}` })) }),
  ),
);

async function kilnRun(i: number, concurrency?: number): Promise<number> {
  const runtime = new LocalRuntime({ baseDir: join(scratch, 'runs'), agent: locateAgent() });
  const start = performance.now();
  const record = await runPipeline({
    input: {
      runName: `bench-${concurrency ?? 'all'}-${i}`,
      pipeline: spec,
      params: {},
      workspaces: {},
      concurrency,
    },
    runtime,
  });
  const ms = performance.now() - start;
  if (record.status !== 'Succeeded') throw new Error(`bench run ${record.id} ended ${record.status}`);
  return ms;
}

/** The same commands as the steps run them: each step is a `#!/bin/sh` script running `true`. */
function shellScript(): number {
  const stepScript = join(scratch, 'step.sh');
  writeFileSync(stepScript, '#!/bin/sh\nset -e\ntrue\n', { mode: 0o755 });
  const script = join(scratch, 'all.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\n${`${stepScript}\n`.repeat(TASKS * STEPS)}`, { mode: 0o755 });
  const start = performance.now();
  execFileSync(script);
  return performance.now() - start;
}

function agentAlone(): number {
  const [exe, ...args] = locateAgent();
  const start = performance.now();
  execFileSync(exe!, [...args, '--version']);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

try {
  await kilnRun(-1); // warm the file cache
  const shell = median(Array.from({ length: REPEAT }, shellScript));
  const agent = median(Array.from({ length: REPEAT }, agentAlone));
  const parallel: number[] = [];
  const serial: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    parallel.push(await kilnRun(i));
    serial.push(await kilnRun(i, 1));
  }
  const n = TASKS * STEPS;
  console.log(
    `local run: ${TASKS} tasks × ${STEPS} steps of \`true\` (${n} commands), median of ${REPEAT}, ${process.env.KILN_AGENT ? 'KILN_AGENT' : locateAgent().join(' ')}`,
  );
  console.log(`  baseline: shell script, ${n} step scripts in sequence   ${fmt(shell)}`);
  console.log(`  baseline: one agent start (kiln-agent --version)        ${fmt(agent)}`);
  console.log(
    `  kiln, all tasks at once                                 ${fmt(median(parallel))}  ratio ${(median(parallel) / shell).toFixed(1)}×`,
  );
  console.log(
    `  kiln, --concurrency 1                                   ${fmt(median(serial))}  ratio ${(median(serial) / shell).toFixed(1)}×  (${(median(serial) / n).toFixed(1)} ms a step)`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

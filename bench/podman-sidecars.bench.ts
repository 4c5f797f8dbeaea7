// What a Tekton sidecar costs a task run on the podman engine, and whether its output all arrives:
// a one-step TaskRun through `kiln run --engine podman`, without a sidecar (the baseline) and with
// one that writes 500 numbered lines, is ready by an exec probe, and traps TERM; in the same run.
// Figures: the wall time of `kiln run` (with a sidecar: its container, its probe by `podman exec`,
// its stop after the step), and the sidecar's lines found by `kiln logs` (its trap's last one too).
//   npx tsx bench/podman-sidecars.bench.ts        (BENCH_REPEAT to resize)
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunRecord } from '../contract/index.js';
import { buildStepImage, containers } from '../testkit/podman.js';
import { kilnLogs, kilnRun, REPO } from '../testkit/kiln-cli.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const LINES = 500;
const c = containers('kiln-bench-pod-sidecars-');
await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: REPO, timeout: 300_000 });
const image = await buildStepImage(c, REPO);

const sidecar = `    sidecars:
      - name: talker
        image: ${image}
        script: |
          trap 'echo "talker stopped"; exit 0' TERM
          mkdir -p /tmp
          i=0; while [ $i -lt ${LINES} ]; do echo "line $i"; i=$((i+1)); done
          touch /tmp/ready
          while true; do sleep 0.1; done
        readinessProbe:
          exec:
            command: [sh, -c, "test -f /tmp/ready"]
`;
const taskRun = (withSidecar: boolean) => `apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: bench
spec:
  timeout: 2m
  taskSpec:
${withSidecar ? sidecar : ''}    steps:
      - name: work
        image: ${image}
        script: echo "step"
`;
const cwd = join(c.work, 'bench');
mkdirSync(cwd, { recursive: true });
writeFileSync(join(cwd, 'plain.yaml'), taskRun(false));
writeFileSync(join(cwd, 'sidecar.yaml'), taskRun(true));

async function once(file: string): Promise<{ wall: number; record: RunRecord }> {
  const start = performance.now();
  const { record, stderr } = await kilnRun([file, '--engine', 'podman'], { cwd, env: c.env });
  const wall = performance.now() - start;
  if (record.status !== 'Succeeded') throw new Error(`bench run ${record.id} ended ${record.status}:\n${stderr}`);
  return { wall, record };
}

// Warm-up: the agent image is built on the first podman run, the collector's store created.
await once('plain.yaml');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const figures = { plain: [] as number[], sidecar: [] as number[] };
const found: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  for (const kind of ['plain', 'sidecar'] as const) {
    const { wall, record } = await once(`${kind}.yaml`);
    figures[kind].push(wall);
    if (kind === 'sidecar') {
      const logs = await kilnLogs(record.id, { cwd, env: c.env });
      found.push(new Set(logs.match(/line \d+/g) ?? []).size + (logs.includes('talker stopped') ? 1 : 0));
    }
  }
}
const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(`one-step TaskRun through kiln run --engine podman, wall time, median of ${REPEAT}:`);
console.log(`  no sidecar (baseline): ${ms(median(figures.plain))}`);
console.log(`  one sidecar (exec probe, TERM trap): ${ms(median(figures.sidecar))}`);
console.log(`  the sidecar's ${LINES + 1} lines found by kiln logs: ${found.join(', ')}`);
await c.close();
rmSync(cwd, { recursive: true, force: true });

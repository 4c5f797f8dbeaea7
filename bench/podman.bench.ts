// The podman engine's per-step overhead: a 3-task pipeline (one step of `true` each, one after
// another; busybox's sh runs it, the image has no `true` binary) through `kiln run --engine podman`, against the same three containers started by hand
// with `podman run --rm`, and against `kiln run --engine host`, in the same run.
//   npx tsx bench/podman.bench.ts        (BENCH_REPEAT to resize)
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildStepImage, containers } from '../testkit/podman.js';
import { kilnRun, REPO } from '../testkit/kiln-cli.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const TASKS = 3;
const c = containers('kiln-bench-podman-');
await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: REPO, timeout: 300_000 });
const image = await buildStepImage(c, REPO);

const pipeline = `name: three
tasks:
${Array.from({ length: TASKS }, (_, i) => `  t${i}:\n    image: ${image}\n${i ? `    needs: [t${i - 1}]\n` : ''}    steps:\n      - run: "true"\n`).join('')}`;
const cwd = join(c.work, 'bench');
mkdirSync(cwd, { recursive: true });
writeFileSync(join(cwd, 'pipeline.yaml'), pipeline);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function kiln(engine: string): Promise<void> {
  const { record, stderr } = await kilnRun(['pipeline.yaml', '--engine', engine], { cwd, env: c.env });
  if (record.status !== 'Succeeded')
    throw new Error(`bench run ${record.id} on ${engine} ended ${record.status}:\n${stderr}`);
}

async function byHand(): Promise<void> {
  for (let i = 0; i < TASKS; i++) await c.podman('run', '--rm', '--network', 'host', image, '/bin/sh', '-c', 'true');
}

// Warm-up: the agent image is built on the first podman run, the collector's store created.
await kiln('podman');
await kiln('host');
await byHand();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const figures: Record<string, number[]> = { podman: [], host: [], byHand: [] };
for (let r = 0; r < REPEAT; r++) {
  figures.podman!.push(await timed(() => kiln('podman')));
  figures.host!.push(await timed(() => kiln('host')));
  figures.byHand!.push(await timed(byHand));
}
const perStep = (k: string) => (median(figures[k]!) / TASKS).toFixed(0);
console.log(`3 tasks × 1 step of \`true\`, one after another, median of ${REPEAT}:`);
console.log(`  kiln run --engine podman: ${median(figures.podman!).toFixed(0)} ms, ${perStep('podman')} ms a step`);
console.log(`  podman run --rm × 3 by hand: ${median(figures.byHand!).toFixed(0)} ms, ${perStep('byHand')} ms a step`);
console.log(`  kiln run --engine host: ${median(figures.host!).toFixed(0)} ms, ${perStep('host')} ms a step`);
console.log('  (the kiln figures include the CLI start, the embedded collector and shipping the logs)');
await c.close();
rmSync(cwd, { recursive: true, force: true });

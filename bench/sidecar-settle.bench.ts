// What waiting for a sidecar without probes to settle costs a task run on the host engine: a
// one-step TaskRun whose sidecar writes a value and sleeps (Tekton's sidecar-interp, its step reading
// the value), through `kiln run`, this tree against a baseline build (BASE_KILN, e.g. a worktree of
// main built with scripts/build.mjs: it starts the step at once), in turns, in the same run.
// Figures: the median wall time of `kiln run` for each, and for this tree whether the step read the
// value (the baseline's step races the sidecar).
//   BASE_KILN=/path/to/base/bin/kiln.js npx tsx bench/sidecar-settle.bench.ts   (BENCH_REPEAT to resize)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../testkit/kiln-cli.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const builds = { tree: join(REPO, 'bin/kiln.js'), ...(process.env.BASE_KILN && { base: process.env.BASE_KILN }) };
const cwd = mkdtempSync(join(tmpdir(), 'kiln-bench-settle-'));
writeFileSync(
  join(cwd, 'taskrun.yaml'),
  `apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: settle
spec:
  taskSpec:
    volumes:
      - name: shared
        emptyDir: {}
    sidecars:
      - name: value
        image: busybox
        script: echo foo > /shared/value && sleep 600
        volumeMounts:
          - { name: shared, mountPath: /shared }
    steps:
      - name: check
        image: busybox
        script: test "$(cat /shared/value)" = foo && echo "read foo"
        volumeMounts:
          - { name: shared, mountPath: /shared }
`,
);

const times: Record<string, number[]> = {};
const read: Record<string, number> = {};
for (let i = 0; i < REPEAT + 1; i++) {
  for (const [name, bin] of Object.entries(builds)) {
    const start = performance.now();
    const r = spawnSync(process.execPath, [bin, 'run', 'taskrun.yaml'], { cwd, encoding: 'utf8' });
    const wall = performance.now() - start;
    if (i === 0) continue; // warm-up: the collector's store, the code cache
    (times[name] ??= []).push(wall);
    read[name] = (read[name] ?? 0) + ((r.stdout + r.stderr).includes('read foo') ? 1 : 0);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${REPEAT} runs each, in turns`,
);
for (const name of Object.keys(builds))
  console.log(
    `${name}: median ${median(times[name]!).toFixed(0)} ms (${times[name]!.map((t) => t.toFixed(0)).join(', ')}); step read the value in ${read[name]} of ${REPEAT}`,
  );
rmSync(cwd, { recursive: true, force: true });

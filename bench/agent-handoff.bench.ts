// Hand-off latency in the pod protocol: N agents (KILN_BENCH_STEPS, default 50) each running `true`, all started and
// waiting first; then the go-ahead. The bench watches every post file and reports, per hand-off,
// the time from one step's post file to the next one's (which includes spawning `true`), beside
// the cost of spawning `true` from Node in the same run and Tekton's 1 s polling design.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRYPOINT_FLAGS as F, kilnPaths } from '../contract/index.js';
import { AGENT, fmt, machineNote, median, percentile, requireAgent, timeRuns } from './agent-stats.js';

const STEPS = Number(process.env.KILN_BENCH_STEPS ?? 50);
const GOAL_MS_PER_STEP = 10;
const TEKTON_POLL_MS = 1000;

requireAgent();
const root = mkdtempSync(join(tmpdir(), 'kiln-bench-handoff-'));
const p = kilnPaths(root);
// Takes this process's inotify instance before the agents can use up the per-user limit; the
// post-file watches below share it.
const keepInotify = watch(root, () => {});

const agents = Array.from({ length: STEPS }, (_, i) =>
  spawn(
    AGENT,
    [
      'entrypoint',
      F.waitFile,
      i === 0 ? p.readyFile : p.postFile(i - 1),
      ...(i === 0 ? [F.waitFileContent] : []),
      F.postFile,
      p.postFile(i),
      F.terminationPath,
      p.localTerminationFile(i),
      F.stepMetadataDir,
      p.stepMetadataDir(i),
      F.logDir,
      p.logDir,
      F.stepIndex,
      String(i),
      '--',
      'true',
    ],
    { stdio: 'ignore' },
  ),
);
const exits = agents.map((a) => new Promise<number | null>((res) => a.once('exit', res)));
const killAgents = () => agents.forEach((a) => a.exitCode === null && a.kill('SIGKILL'));
process.once('exit', killAgents);

// A waiting agent has created the directory of the file it waits on, in the same tick as it arms
// its watch: once they all exist, every agent is waiting.
const waitedDirs = [p.downwardDir, ...Array.from({ length: STEPS - 1 }, (_, i) => p.stepDir(i))];
const startWait = performance.now();
while (!waitedDirs.every(existsSync)) {
  if (performance.now() - startWait > 60_000) throw new Error('agents did not all start within 60 s');
  await new Promise((r) => setTimeout(r, 20));
}
const startUpMs = performance.now() - startWait;
const onInotify = agents.map((a) => hasInotify(a.pid!));
const watching = onInotify.filter(Boolean).length;

mkdirSync(p.stepDir(STEPS - 1), { recursive: true });
const seen: number[] = new Array(STEPS);
const watchers = Array.from({ length: STEPS }, (_, i) =>
  watch(p.stepDir(i), (_e, name) => {
    if (seen[i] === undefined && (name === 'out' || name === 'out.err')) seen[i] = performance.now();
  }),
);
const t0 = performance.now();
writeFileSync(p.readyFile, 'go');
const codes = await Promise.all(exits);
watchers.forEach((w) => w.close());
keepInotify.close();
if (codes.some((c) => c !== 0)) throw new Error(`some steps failed: ${codes.join(',')}`);
if (seen.some((t) => t === undefined)) throw new Error('missed a post file event');

const handoffs = seen.map((t, i) => t - (i === 0 ? t0 : seen[i - 1]));
// The wake-up alone: previous post file → this step's StartedAt (taken just before the spawn).
// StartedAt has millisecond resolution, so each figure is ±1 ms.
const startedAt = (i: number) => {
  const entries = JSON.parse(readFileSync(p.localTerminationFile(i), 'utf8')) as { key: string; value: string }[];
  return Date.parse(entries.find((e) => e.key === 'StartedAt')!.value);
};
const toEpoch = (t: number) => performance.timeOrigin + t;
const wakeUps = seen.slice(1).map((_, k) => startedAt(k + 1) - toEpoch(seen[k]));
const spawnTrue = await timeRuns(30, 'true', []);

console.log(machineNote());
console.log(
  `agent hand-off, ${STEPS} steps of \`true\` (agents started and waiting in ${fmt(startUpMs)}; ${watching} on inotify, ${STEPS - watching} polling: fs.inotify.max_user_instances)`,
);
console.log(
  `  go-ahead → last post file:        ${fmt(seen[STEPS - 1] - t0)}, ${fmt((seen[STEPS - 1] - t0) / STEPS)} a step (goal ≤ ${GOAL_MS_PER_STEP} ms)`,
);
console.log(
  `  per hand-off (post → next post):   median ${fmt(median(handoffs))}, p99 ${fmt(percentile(handoffs, 99))}, max ${fmt(Math.max(...handoffs))}`,
);
const byWaiter = (watched: boolean) => handoffs.filter((_, i) => onInotify[i] === watched);
for (const [label, list] of [
  ['woken by inotify', byWaiter(true)],
  ['woken by polling', byWaiter(false)],
] as const) {
  if (list.length > 0)
    console.log(
      `    ${label.padEnd(17)} (${String(list.length).padStart(3)}): median ${fmt(median(list))}, p99 ${fmt(percentile(list, 99))}`,
    );
}
console.log(
  `  post file → next StartedAt (wake-up, ±1 ms): median ${fmt(median(wakeUps))}, p99 ${fmt(percentile(wakeUps, 99))}`,
);
console.log(
  `  baseline: spawn \`true\` from Node:  median ${fmt(median(spawnTrue))}, p99 ${fmt(percentile(spawnTrue, 99))}`,
);
console.log(
  `  Tekton design: 1 s polling →       ~${TEKTON_POLL_MS / 2} ms mean wait per hand-off, ${TEKTON_POLL_MS} ms worst; ${(STEPS * TEKTON_POLL_MS) / 2000} s expected for ${STEPS} steps`,
);

function hasInotify(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).includes('inotify');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

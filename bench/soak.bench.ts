// The reliability soak (testkit/soak.ts) at full size: 20 concurrent runs of a fast flood and a
// slow trickle, the collector SIGKILLed every 20 s and back after 3 s, its disk (a tmpfs) filled
// and freed once, one run cancelled with Ctrl-C and one timing out. About ten minutes
// (KILN_SOAK_SCALE=0.2 for a quicker look). Prints what it saw; the short version in
// test/e2e/soak.test.ts asserts it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBuild } from '../testkit/log-proxy-pod.js';
import { judgeStep, runSoak } from '../testkit/soak.js';

requireBuild();
const scale = Number(process.env.KILN_SOAK_SCALE ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'kiln-soak-bench-'));
try {
  const report = await runSoak({
    dir,
    runs: 20,
    floodLines: Math.round(1_000_000 * scale),
    trickleLines: Math.round(5_400 * scale),
    killEveryMs: 20_000,
    downMs: 3_000,
    diskFill: { sizeMiB: 512, atMs: Math.round(120_000 * scale), fillMs: 10_000 },
  });
  const verdicts = new Map<string, number>();
  let lines = 0;
  for (const run of report.runs) {
    for (const step of run.steps) {
      const v = judgeStep(step, run);
      const key = ['complete', 'reported-incomplete', 'prefix'].includes(v) ? v : 'WRONG';
      verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
      lines += step.stored.length;
      if (key === 'WRONG') console.log(`  WRONG ${run.kind} ${step.task}/${step.step}: ${v}`);
    }
  }
  const statuses = report.runs.map((r) => `${r.kind}:${r.record?.status ?? `exit ${r.exitCode}`}`);
  console.log(`soak: ${report.runs.length} runs, ${(report.wallMs / 1000).toFixed(0)} s, scale ${scale}`);
  console.log(`  collector SIGKILLed ${report.collectorKills} times; disk fill: ${report.diskFill}`);
  console.log(`  lines stored: ${lines}; steps: ${[...verdicts].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  console.log(
    `  run statuses: ${[...new Set(statuses)].map((s) => `${statuses.filter((x) => x === s).length}× ${s}`).join(', ')}`,
  );
  console.log(`  collector peak RSS: ${(report.peakCollectorRssBytes / 1024 / 1024).toFixed(1)} MB`);
  console.log(`  processes left after the runs: ${report.leftProcesses.length}`);
  for (const p of report.leftProcesses) console.log(`    ${p}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

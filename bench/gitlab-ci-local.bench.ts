// `kiln run` against gitlab-ci-local (npm, shell executor) on the same work: 20 tasks × 3 steps of
// `true`, all at once (fan-out) and each task needing the one before (chained), run as a user runs
// them (`node bin/kiln.js run`: the CLI start, the host engine, the embedded collector, the logs
// shipped) beside `gitlab-ci-local --force-shell-executor --quiet` in a scratch git repository
// with the equivalent .gitlab-ci.yml; interleaved, median of BENCH_REPEAT (default 5). A shell
// script of the same 60 commands is the floor. gitlab-ci-local 4.70.x (4.75 needs Node 22) is
// installed on first use (bench/gitlab-ci-local.ts).
//   npx tsx bench/gitlab-ci-local.bench.ts      (BENCH_TASKS, BENCH_STEPS, BENCH_REPEAT to resize)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineNote, median, REPO, timedRun as timed, withoutExtraCaCerts } from './agent-stats.js';
import { GCL, GCL_VERSION, gitProject, installGitlabCiLocal } from './gitlab-ci-local.js';

const envNote = withoutExtraCaCerts();
const TASKS = Number(process.env.BENCH_TASKS ?? 20);
const STEPS = Number(process.env.BENCH_STEPS ?? 3);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
/** The pipeline as Kiln and as GitLab CI: task i needs task i-1 when chained. */
function writeProject(dir: string, chained: boolean): void {
  const needs = (t: number) => (chained && t > 0 ? `t${t - 1}` : undefined);
  const kiln = [`name: ${chained ? 'chained' : 'fanout'}`, 'tasks:'];
  const gitlab: string[] = [];
  for (let t = 0; t < TASKS; t++) {
    kiln.push(`  t${t}:`, ...(needs(t) ? [`    needs: [${needs(t)}]`] : []), '    steps:');
    for (let s = 0; s < STEPS; s++) kiln.push(`      - name: s${s}`, `        command: ["true"]`);
    gitlab.push(`t${t}:`, ...(needs(t) ? [`  needs: [${needs(t)}]`] : []), '  script:');
    for (let s = 0; s < STEPS; s++) gitlab.push(`    - 'true'`);
  }
  gitProject(dir, { 'pipeline.yaml': kiln.join('\n') + '\n', '.gitlab-ci.yml': gitlab.join('\n') + '\n' });
}

const kilnRun = (dir: string) =>
  timed('kiln run', process.execPath, [join(REPO, 'bin/kiln.js'), 'run', 'pipeline.yaml'], dir);
const gitlabCiLocal = (dir: string) => timed('gitlab-ci-local', GCL, ['--force-shell-executor', '--quiet'], dir);

function shellScript(dir: string): number {
  const script = join(dir, 'all.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\n${'true\n'.repeat(TASKS * STEPS)}`.replaceAll('true', '/bin/true'), {
    mode: 0o755,
  });
  return timed('shell script', script, [], dir);
}

installGitlabCiLocal();
const scratch = mkdtempSync(join(tmpdir(), 'kiln-bench-gcl-'));
try {
  const dirs = { fanout: join(scratch, 'fanout'), chained: join(scratch, 'chained') };
  writeProject(dirs.fanout, false);
  writeProject(dirs.chained, true);
  const times = {
    kiln: { fanout: [] as number[], chained: [] as number[] },
    gcl: { fanout: [] as number[], chained: [] as number[] },
  };
  for (const shape of ['fanout', 'chained'] as const) {
    kilnRun(dirs[shape]); // warm the file cache and the store
    gitlabCiLocal(dirs[shape]);
  }
  for (let i = 0; i < REPEAT; i++)
    for (const shape of ['fanout', 'chained'] as const) {
      times.kiln[shape].push(kilnRun(dirs[shape]));
      times.gcl[shape].push(gitlabCiLocal(dirs[shape]));
    }
  const floor = median(Array.from({ length: REPEAT }, () => shellScript(scratch)));
  const n = TASKS * STEPS;
  const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(8);
  console.log(
    `kiln run vs gitlab-ci-local@${GCL_VERSION}: ${TASKS} tasks × ${STEPS} steps of \`true\`, median of ${REPEAT}, interleaved (${machineNote()}; ${envNote})`,
  );
  console.log(`  floor: a shell script of the ${n} commands                   ${ms(floor)}`);
  for (const shape of ['fanout', 'chained'] as const) {
    const k = median(times.kiln[shape]);
    const g = median(times.gcl[shape]);
    const label = shape === 'fanout' ? 'fan-out' : 'chained (needs)';
    console.log(
      `  ${label.padEnd(16)} kiln run ${ms(k)}   gitlab-ci-local ${ms(g)}   ratio ${(k / g).toFixed(2)}×   ` +
        `per step ${((k - floor) / n).toFixed(1)} / ${((g - floor) / n).toFixed(1)} ms  (goal ≤ 1.0×)`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// `kiln run` against gitlab-ci-local (npm, shell executor) on the same work: 20 tasks × 3 steps of
// `true`, all at once (fan-out) and each task needing the one before (chained), run as a user runs
// them (`node bin/kiln.js run`: the CLI start, the host engine, the embedded collector, the logs
// shipped) beside `gitlab-ci-local --force-shell-executor --quiet` in a scratch git repository
// with the equivalent .gitlab-ci.yml; interleaved, median of BENCH_REPEAT (default 5). A shell
// script of the same 60 commands is the floor. gitlab-ci-local 4.70.x (4.75 needs Node 22) is
// installed from npm into ~/.cache/kiln/bench/gitlab-ci-local on first use; if that fails, the
// bench says so and fails: there is no figure without its baseline.
//   npx tsx bench/gitlab-ci-local.bench.ts      (BENCH_TASKS, BENCH_STEPS, BENCH_REPEAT to resize)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineNote, median, REPO } from './agent-stats.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 20);
const STEPS = Number(process.env.BENCH_STEPS ?? 3);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const GCL_VERSION = '4.70.x';
const GCL_DIR = join(homedir(), '.cache', 'kiln', 'bench', 'gitlab-ci-local');
const GCL = join(GCL_DIR, 'node_modules', '.bin', 'gitlab-ci-local');

function loudly(message: string): never {
  const bar = '!'.repeat(78);
  console.error(`${bar}\n!! NO BASELINE: ${message}\n!! The comparison with gitlab-ci-local was NOT measured.\n${bar}`);
  process.exit(1);
}

function installGitlabCiLocal(): void {
  if (existsSync(GCL)) return;
  console.log(`installing gitlab-ci-local@${GCL_VERSION} into ${GCL_DIR} (once)`);
  mkdirSync(GCL_DIR, { recursive: true });
  writeFileSync(join(GCL_DIR, 'package.json'), '{ "private": true }\n');
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', `gitlab-ci-local@${GCL_VERSION}`], {
    cwd: GCL_DIR,
    encoding: 'utf8',
  });
  if (npm.status !== 0 || !existsSync(GCL))
    loudly(`gitlab-ci-local@${GCL_VERSION} could not be installed from npm:\n${npm.stderr || npm.error}`);
}

/** The pipeline as Kiln and as GitLab CI: task i needs task i-1 when chained. */
function writeProject(dir: string, chained: boolean): void {
  mkdirSync(dir, { recursive: true });
  const needs = (t: number) => (chained && t > 0 ? `t${t - 1}` : undefined);
  const kiln = [`name: ${chained ? 'chained' : 'fanout'}`, 'tasks:'];
  const gitlab: string[] = [];
  for (let t = 0; t < TASKS; t++) {
    kiln.push(`  t${t}:`, ...(needs(t) ? [`    needs: [${needs(t)}]`] : []), '    steps:');
    for (let s = 0; s < STEPS; s++) kiln.push(`      - name: s${s}`, `        command: ["true"]`);
    gitlab.push(`t${t}:`, ...(needs(t) ? [`  needs: [${needs(t)}]`] : []), '  script:');
    for (let s = 0; s < STEPS; s++) gitlab.push(`    - 'true'`);
  }
  writeFileSync(join(dir, 'pipeline.yaml'), kiln.join('\n') + '\n');
  writeFileSync(join(dir, '.gitlab-ci.yml'), gitlab.join('\n') + '\n');
  // gitlab-ci-local reads the repository and its remote; Kiln's own state stays out of its copy.
  writeFileSync(join(dir, '.gitignore'), '.kiln/\n.gitlab-ci-local/\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '.');
  git('remote', 'add', 'origin', 'https://gitlab.example/bench/project.git');
  git('add', '-A');
  git('-c', 'user.email=bench@kiln', '-c', 'user.name=bench', 'commit', '-qm', 'bench');
}

function timed(label: string, file: string, args: string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
  return ms;
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
if (spawnSync('rsync', ['--version']).status !== 0)
  loudly('gitlab-ci-local needs rsync (scripts/setup.sh installs it)');
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
    `kiln run vs gitlab-ci-local@${GCL_VERSION}: ${TASKS} tasks × ${STEPS} steps of \`true\`, median of ${REPEAT}, interleaved (${machineNote()})`,
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

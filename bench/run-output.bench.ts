// A chatty step through `kiln run`, as a user runs it (`node bin/kiln.js run`, host engine, the
// embedded collector storing every line, the console printing each line with its `task/step |`
// prefix, here into a file): a step that `cat`s KILN_BENCH_OUTPUT_MB (default 64) of 100-byte
// lines, against the same `cat` into a local file and an empty step's `kiln run` (its fixed cost).
// gitlab-ci-local runs the same job beside it at KILN_BENCH_GCL_MB (default 2): it prints each
// line too and is far slower per line (64 MB took it minutes), so it is compared at that volume
// with `kiln run` measured there as well. Interleaved, medians of BENCH_REPEAT (default 3).
//   npx tsx bench/run-output.bench.ts
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineNote, median, REPO, timedRun, withoutExtraCaCerts } from './agent-stats.js';
import { GCL, GCL_VERSION, gitProject, installGitlabCiLocal } from './gitlab-ci-local.js';

const envNote = withoutExtraCaCerts();
const MB = Number(process.env.KILN_BENCH_OUTPUT_MB ?? 64);
const GCL_MB = Number(process.env.KILN_BENCH_GCL_MB ?? 2);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const LINE = `${'x'.repeat(99)}\n`;
const linesIn = (mb: number) => Math.floor((mb * 1024 * 1024) / LINE.length);

/** Runs a command with its stdout into `out` (a file, as a terminal's scrollback would hold it). */
function timed(label: string, file: string, args: string[], cwd: string, out: string): number {
  const fd = openSync(out, 'w');
  try {
    return timedRun(label, file, args, cwd, fd);
  } finally {
    closeSync(fd);
  }
}

/** A project whose one job prints `file`: the pipeline for Kiln, the .gitlab-ci.yml, and an empty pipeline. */
function project(dir: string, file: string): void {
  gitProject(dir, {
    'pipeline.yaml': `name: chatty\ntasks:\n  print:\n    steps:\n      - name: cat\n        command: [cat, ${JSON.stringify(file)}]\n`,
    'empty.yaml': `name: empty\ntasks:\n  print:\n    steps:\n      - name: cat\n        command: ["true"]\n`,
    '.gitlab-ci.yml': `print:\n  script:\n    - cat ${JSON.stringify(file)}\n`,
  });
}

installGitlabCiLocal();
const scratch = mkdtempSync(join(tmpdir(), 'kiln-bench-output-'));
try {
  const sizes = { big: MB, small: GCL_MB };
  const dirs = { big: join(scratch, 'big'), small: join(scratch, 'small') };
  for (const size of ['big', 'small'] as const) {
    const file = join(scratch, `${size}.txt`);
    writeFileSync(file, LINE.repeat(linesIn(sizes[size])));
    project(dirs[size], file);
  }
  const sink = join(scratch, 'out.txt');
  const kiln = (dir: string, pipeline = 'pipeline.yaml') =>
    timed('kiln run', process.execPath, [join(REPO, 'bin/kiln.js'), 'run', pipeline], dir, sink);
  const gcl = (dir: string) => timed('gitlab-ci-local', GCL, ['--force-shell-executor'], dir, sink);
  const file = (size: 'big' | 'small') =>
    timed('cat', 'sh', ['-c', `cat ${join(scratch, `${size}.txt`)} > ${join(scratch, 'copy.txt')}`], scratch, sink);
  kiln(dirs.big); // the file cache and the store warmed
  gcl(dirs.small);
  const t = {
    file: [] as number[],
    kiln: [] as number[],
    empty: [] as number[],
    smallKiln: [] as number[],
    gcl: [] as number[],
    smallFile: [] as number[],
  };
  for (let i = 0; i < REPEAT; i++) {
    t.file.push(file('big'));
    t.kiln.push(kiln(dirs.big));
    t.empty.push(kiln(dirs.big, 'empty.yaml'));
    t.smallFile.push(file('small'));
    t.smallKiln.push(kiln(dirs.small));
    t.gcl.push(gcl(dirs.small));
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<keyof typeof t, number>;
  const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(8);
  const rate = (mb: number, x: number) => `${(mb / (x / 1000)).toFixed(1)} MB/s`;
  console.log(`a step printing 100-byte lines, medians of ${REPEAT}, interleaved (${machineNote()}; ${envNote}):`);
  console.log(`  ${MB} MB (${linesIn(MB).toLocaleString('en')} lines):`);
  console.log(`    baseline: cat > local file                 ${ms(m.file)}  ${rate(MB, m.file)}`);
  console.log(
    `    kiln run (console into a file, logs stored) ${ms(m.kiln)}  ${rate(MB, m.kiln)}  ${(m.file / m.kiln).toFixed(2)}× the file write`,
  );
  console.log(`    kiln run of an empty step (fixed cost)     ${ms(m.empty)}`);
  console.log(`    kiln run past its fixed cost               ${ms(m.kiln - m.empty)}  ${rate(MB, m.kiln - m.empty)}`);
  console.log(`  ${GCL_MB} MB (${linesIn(GCL_MB).toLocaleString('en')} lines):`);
  console.log(`    baseline: cat > local file                 ${ms(m.smallFile)}`);
  console.log(`    kiln run                                   ${ms(m.smallKiln)}`);
  console.log(
    `    gitlab-ci-local@${GCL_VERSION} (shell executor)   ${ms(m.gcl)}   kiln run ${(m.smallKiln / m.gcl).toFixed(2)}× its time`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

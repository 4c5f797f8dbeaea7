// Agent start-up: `dist/kiln-agent --version` against `node -e 0` and `/bin/true`, each run with
// an empty environment (as in a container; a developer machine's NODE_EXTRA_CA_CERTS alone adds
// tens of ms to every Node start), interleaved in one run so they share the machine's load.
// KILN_BENCH_BASELINE_AGENT=PATH adds another kiln-agent build to the same interleaved run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT, fmt, machineNote, median, percentile, requireAgent, timeProcess } from './agent-stats.js';

const RUNS = Number(process.env.KILN_BENCH_RUNS ?? 30);
const BASELINE = process.env.KILN_BENCH_BASELINE_AGENT;
requireAgent();

// A whole step of `true`, with and without the flag every step of a run with a collector gets:
// the result store must not cost a step anything until a result needs it.
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-startup-'));
writeFileSync(join(dir, 'token'), 'token');
const step = ['entrypoint', '-termination_path', join(dir, 'termination'), '-log_dir', join(dir, 'logs')];
const subjects: [string, string, string[]][] = [
  ['dist/kiln-agent --version', AGENT, ['--version']],
  ['entrypoint -- true', AGENT, [...step, '--', '/bin/true']],
  [
    'entrypoint -results_url … -- true',
    AGENT,
    [...step, '-results_url', 'http://127.0.0.1:9/r', '-results_token_file', join(dir, 'token'), '--', '/bin/true'],
  ],
  // Another build to compare with in the same run (e.g. the previous commit's dist/kiln-agent).
  ...(BASELINE
    ? ([
        ['baseline --version', BASELINE, ['--version']],
        ['baseline entrypoint -- true', BASELINE, [...step, '--', '/bin/true']],
      ] as [string, string, string[]][])
    : []),
  ['node -e 0', process.execPath, ['-e', '0']],
  ['/bin/true', '/bin/true', []],
];
const times = new Map<string, number[]>(subjects.map(([label]) => [label, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [label, file, args] of subjects) times.get(label)!.push(await timeProcess(file, args, {}));
}
console.log(machineNote());
console.log(`agent start-up, ${RUNS} runs each, env -i, interleaved`);
for (const [label] of subjects) {
  const t = times.get(label)!;
  console.log(`  ${label.padEnd(36)} median ${fmt(median(t))}, p90 ${fmt(percentile(t, 90))}`);
}

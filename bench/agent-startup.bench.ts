// Agent start-up: `dist/kiln-agent --version` against `node -e 0` and `/bin/true`, each run with
// an empty environment (as in a container; a developer machine's NODE_EXTRA_CA_CERTS alone adds
// tens of ms to every Node start), interleaved in one run so they share the machine's load.
import { AGENT, fmt, machineNote, median, percentile, requireAgent, timeProcess } from './agent-stats.js';

const RUNS = Number(process.env.KILN_BENCH_RUNS ?? 30);
requireAgent();

const subjects: [string, string, string[]][] = [
  ['dist/kiln-agent --version', AGENT, ['--version']],
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
  console.log(`  ${label.padEnd(26)} median ${fmt(median(t))}, p90 ${fmt(percentile(t, 90))}`);
}

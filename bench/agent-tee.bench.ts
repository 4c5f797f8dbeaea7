// Log tee throughput: a step writing KILN_BENCH_TEE_MB (default 1024) MB to stdout through the
// agent (teed to the agent's stdout and spooled as records), against the same command writing
// straight to /dev/null, and through `cat` (what any pipe costs). The output is 1 KiB lines.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRYPOINT_FLAGS as F, kilnPaths } from '../contract/index.js';
import { AGENT, fmt, machineNote, requireAgent } from './agent-stats.js';

const MB = Number(process.env.KILN_BENCH_TEE_MB ?? 1024);
requireAgent();
const writer = `yes "$(head -c 1023 /dev/zero | tr '\\0' x)" | head -c ${MB * 1024 * 1024}`;

function timed(file: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', rej);
    child.once('exit', (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(`${file} exited ${code}`))));
  });
}

const root = mkdtempSync(join(tmpdir(), 'kiln-bench-tee-'));
const p = kilnPaths(root);
const direct = await timed('/bin/sh', ['-c', `${writer} > /dev/null`]);
const piped = await timed('/bin/sh', ['-c', `${writer} | cat > /dev/null`]);
const hwmFile = `${root}/hwm`;
const through = await timed(AGENT, [
  'entrypoint',
  F.terminationPath,
  p.localTerminationFile(0),
  F.logDir,
  p.logDir,
  F.stepIndex,
  '0',
  '--',
  '/bin/sh',
  '-c',
  `${writer}; grep VmHWM /proc/$PPID/status > ${hwmFile}`,
]);
const spoolBytes = statSync(p.spoolFile(0)).size;
const hwm = readFileSync(hwmFile, 'utf8').trim().replace(/\s+/g, ' ');
rmSync(root, { recursive: true, force: true });

const rate = (ms: number) => `${((MB / ms) * 1000).toFixed(0)} MB/s`;
console.log(machineNote());
console.log(`agent log tee, ${MB} MB of 1 KiB lines to stdout (agent's stdout to /dev/null, spool on ${tmpdir()})`);
console.log(`  command > /dev/null:        ${fmt(direct)} (${rate(direct)})`);
console.log(`  command | cat > /dev/null:  ${fmt(piped)} (${rate(piped)}) (the cost of a pipe alone)`);
console.log(
  `  through kiln-agent + spool: ${fmt(through)} (${rate(through)}); spool ${(spoolBytes / 1048576).toFixed(0)} MB; agent ${hwm}`,
);

// Small helpers shared by the agent benchmarks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..');
export const AGENT = `${REPO}/dist/kiln-agent`;

export function requireAgent(): void {
  if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: run \`npm run build\` first`);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const median = (values: number[]) => percentile(values, 50);
export const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** Milliseconds from spawn to exit of one process. */
export function timeProcess(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const child = spawn(file, args, { stdio: 'ignore', env });
    child.once('error', rej);
    child.once('exit', () => res(performance.now() - t0));
  });
}

/**
 * Milliseconds from spawn to exit of a command run to completion in `cwd`, its stdout discarded
 * or into `stdout` (a file descriptor); a failure throws with its stderr.
 */
export function timedRun(label: string, file: string, args: string[], cwd: string, stdout?: number): number {
  const start = performance.now();
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', stdout ?? 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function timeRuns(
  runs: number,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeProcess(file, args, env));
  return times;
}

/**
 * Takes NODE_EXTRA_CA_CERTS out of this process's environment, so the commands a bench times
 * inherit none; answers what it said, for the bench to print. Node 20 reads the named bundle at
 * every start (≈100 ms of CPU each on this machine, whose environment names one): in a figure of
 * whole commands, a constant per Node process of either side, not a cost of what is compared
 * (node-app by hand ran 905–1024 ms with it, 473–490 without; `kiln run` 1674–1779 and 1199–1207).
 */
export function withoutExtraCaCerts(): string {
  const named = process.env.NODE_EXTRA_CA_CERTS;
  delete process.env.NODE_EXTRA_CA_CERTS;
  return named ? `NODE_EXTRA_CA_CERTS=${named} unset for the timed commands` : 'NODE_EXTRA_CA_CERTS not set';
}

/** The machine's state, printed beside the figures: on a shared box, load moves them a lot. */
export const machineNote = () =>
  `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

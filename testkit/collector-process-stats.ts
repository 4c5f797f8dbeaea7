// Starting testkit/collector-child.ts and reading what it uses, for the collector benches.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const CHILD = resolve(import.meta.dirname, 'collector-child.ts');

export interface ChildCollector {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startChildCollector(dir: string, secret: string, limits?: object): Promise<ChildCollector> {
  const args = ['--import', 'tsx', CHILD, dir, secret, ...(limits ? [JSON.stringify(limits)] : [])];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = (await once(proc.stdout!, 'data')) as [Buffer];
  return {
    url: first.toString().trim(),
    proc,
    async stop() {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** Resident set size in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

/** User and system CPU seconds the process has used (Linux /proc, in clock ticks of 10 ms). */
export function cpuTimes(pid: number): { user: number; sys: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
}

export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

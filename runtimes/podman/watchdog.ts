// A Pod must not outlive the `kiln run` that plays it, even one that is SIGKILLed and so runs no
// cleanup of its own: a detached watchdog waits for that process to end (`tail --pid`, which the
// kernel wakes, no polling of ours) and then removes the Pod. A Pod removed in the ordinary way
// takes its watchdog with it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { PodmanCommand } from './podman.js';

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export function startPodWatchdog(cmd: PodmanCommand, pod: string, pid: number = process.pid): ChildProcess {
  const remove = [...cmd.argv, 'pod', 'rm', '-f', '-t', '0', '--ignore', pod].map(quote).join(' ');
  const child = spawn('sh', ['-c', `tail --pid=${pid} -f /dev/null; exec ${remove}`], {
    detached: true, // its own process group: a Ctrl-C of kiln run must not end it before its time
    stdio: 'ignore',
    env: cmd.env,
  });
  child.once('error', () => undefined);
  child.unref();
  return child;
}

/** The watchdog of a Pod removed in the ordinary way: no longer needed. */
export function stopPodWatchdog(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

// The processes of one local run, found by the marker the host runtime puts in the environment of
// every process it starts (RUN_MARKER_ENV = "<pipelineRun>/<taskRun>"). A step's `setsid` leaves
// its process group and is re-parented to init, but keeps its environment: the marker is how the
// runtime, and an agent whose runtime died, still find it. Linux only (/proc); elsewhere none.
import { readdirSync, readFileSync } from 'node:fs';

import { RUN_MARKER_ENV } from './marker.js';

export { RUN_MARKER_ENV, runMarker } from './marker.js';
export { isKilnCredential, isTls, runnerProcessEnv, runProcessEnv } from './process-env.js';
export { agentInDist, spawnHostRunner } from './host-runner-process.js';

/**
 * Pids of the processes whose marker is `scope` (a task run's "run/taskRun") or lies under it (a
 * pipeline run's "run"), except `except` (default: this process).
 */
export function markedProcesses(
  scope: string,
  except: readonly number[] = [process.pid],
  bornAfter?: number,
): number[] {
  const exact = `${RUN_MARKER_ENV}=${scope}`;
  const born = bornSince(bornAfter);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || except.includes(pid) || !born(pid)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    if (environ.split('\0').some((entry) => entry === exact || entry.startsWith(`${exact}/`))) out.push(pid);
  }
  return out;
}

/** The pid the kernel gave out last (in this pid namespace); undefined where it does not say. */
export function lastPid(): number | undefined {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1'));
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a pid can belong to a process started after lastPid() answered `after`: pids are given
 * out in order, wrapping round at pid_max. Reading every process's environment costs ~80 µs a
 * process; a run's own are among the few born since it began. Pids are reused after a wrap, so a
 * run that sees more than pid_max processes start could miss one here: its final sweep (no
 * bornAfter) reads them all.
 */
function bornSince(after: number | undefined): (pid: number) => boolean {
  const last = after === undefined ? undefined : lastPid();
  if (after === undefined || last === undefined) return () => true;
  return last >= after ? (pid) => pid > after && pid <= last : (pid) => pid > after || pid <= last;
}

/** Signals every process markedProcesses finds; answers the pids signalled. */
export function signalMarked(
  scope: string,
  signal: NodeJS.Signals,
  except?: readonly number[],
  bornAfter?: number,
): number[] {
  return markedProcesses(scope, except, bornAfter).filter((pid) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false; // already gone
    }
  });
}

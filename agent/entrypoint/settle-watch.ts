// When a sidecar without probes has settled (contract SIDECAR_SETTLE): its agent samples every
// process of the command in /proc — the command's session (it is spawned detached, so it leads one)
// and whatever descends from it — and says so in the settled file once two samples in a row agree
// that nothing runs. Why not "started" alone, as a kubelet does: Tekton's steps start only once its
// controller has seen the sidecar running, hundreds of ms later at least, and sidecars without a
// probe (writing a file, then sleeping) rely on that; a fixed delay would be too short for one and
// needless for the others.
import { readdirSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { SIDECAR_SETTLE, type SettledWord } from '../../contract/index.js';
import { replaceFile } from '../replace-file.js';

/** One process as a sample sees it. */
export interface ProcState {
  pid: number;
  state: string;
  /** CPU time used so far (ns from schedstat; else clock ticks from stat, converted). */
  cpuNs: number;
}

/** Kernel states in which a process waits and uses no CPU: sleeping, stopped, traced, zombie, idle. */
const WAITING = new Set(['S', 'T', 't', 'Z', 'I']);
/** USER_HZ, in which stat's utime and stime are counted on Linux. */
const TICK_NS = 10_000_000;

/** Every process of the tree rooted at `root`: its session, and its descendants (setsid ones too). */
export function sampleTree(root: number): ProcState[] {
  const proc = '/proc';
  const all: { pid: number; ppid: number; session: number; state: string; ticks: number }[] = [];
  for (const name of safeList(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = safeRead(`${proc}/${name}/stat`);
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!fields || fields.length < 13) continue;
    all.push({
      pid: Number(name),
      state: fields[0]!,
      ppid: Number(fields[1]),
      session: Number(fields[3]),
      ticks: Number(fields[11]) + Number(fields[12]),
    });
  }
  const mine = new Set(all.filter((p) => p.pid === root || p.session === root).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all)
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
  }
  return all
    .filter((p) => mine.has(p.pid))
    .map((p) => {
      const ns = Number(safeRead(`${proc}/${p.pid}/schedstat`)?.split(' ')[0]);
      return { pid: p.pid, state: p.state, cpuNs: Number.isFinite(ns) ? ns : p.ticks * TICK_NS };
    })
    .sort((a, b) => a.pid - b.pid);
}

/** Two samples in a row: the same processes, every one waiting, no CPU time spent between them. */
export function settledBetween(before: ProcState[], after: ProcState[]): boolean {
  return (
    after.length > 0 &&
    before.length === after.length &&
    after.every((p, i) => {
      const q = before[i]!;
      return q.pid === p.pid && WAITING.has(q.state) && WAITING.has(p.state) && q.cpuNs === p.cpuNs;
    })
  );
}

/**
 * Watches the command `child` until it settles, ends or the bound passes, and writes the word to
 * `file` (whole, by a rename: the runtime reads it as soon as it appears).
 */
export function watchSettle(
  child: ChildProcess,
  file: string,
  o: { sampleMs: number; boundMs: number } = SIDECAR_SETTLE,
): void {
  const pid = child.pid;
  if (pid === undefined) return;
  let last: ProcState[] = [];
  let done = false;
  const say = (word: SettledWord) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    clearTimeout(bound);
    try {
      replaceFile(file, word);
    } catch {
      // The runtime then waits for the sidecar's end or the task's timeout: nothing better to do here.
    }
  };
  const timer = setInterval(() => {
    const now = sampleTree(pid);
    if (settledBetween(last, now)) say('settled');
    last = now;
  }, o.sampleMs);
  const bound = setTimeout(() => say('unsettled'), o.boundMs);
  child.once('exit', () => say('ended'));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined; // gone between the listing and the read
  }
}

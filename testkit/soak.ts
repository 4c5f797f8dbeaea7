// The reliability soak shared by bench/soak.bench.ts (about ten minutes) and its short version in
// test/e2e/soak.test.ts: concurrent `kiln run`s of noisy steps against one `kiln collector` that is
// SIGKILLed and restarted on a schedule, whose disk is filled and freed once, with one run
// cancelled by Ctrl-C and one timing out. It reports what a run of it saw; the callers judge.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type LogPosition, type Store } from '../collector/index.js';
import type { RunRecord } from '../contract/index.js';
import { CollectorProcess, exited, freePort, KILN } from './log-proxy-pod.js';

export interface SoakOptions {
  /** A fresh directory for everything the soak writes. */
  dir: string;
  runs: number;
  /** Lines the flood step prints as fast as it can. */
  floodLines: number;
  /** Lines the trickle step prints, one every 100 ms. */
  trickleLines: number;
  /** The collector is SIGKILLed this often, and started again after downMs. */
  killEveryMs: number;
  downMs: number;
  /** When set, the collector's disk (a tmpfs of this many MiB) is filled this long after the start, for fillMs. */
  diskFill?: { sizeMiB: number; atMs: number; fillMs: number };
}

export type RunKind = 'normal' | 'cancelled' | 'timeout';

export interface StepLines {
  task: string;
  step: string;
  expected: string[];
  stored: string[];
  /** The run record's word on this step's logs (undefined when it says nothing). */
  logsComplete?: boolean;
}

export interface SoakRun {
  kind: RunKind;
  exitCode: number | null;
  record?: RunRecord;
  stderrTail: string;
  steps: StepLines[];
}

export interface SoakReport {
  runs: SoakRun[];
  collectorKills: number;
  diskFill: 'done' | 'skipped: no tmpfs (needs root)' | 'off';
  peakCollectorRssBytes: number;
  /** Processes still alive after every `kiln run` ended whose command line names the soak's directory. */
  leftProcesses: string[];
  wallMs: number;
}

const floodScript = (n: number) => `seq 1 ${n}`;
const trickleScript = (n: number) => `i=1; while [ $i -le ${n} ]; do echo trickle-$i; i=$((i+1)); sleep 0.1; done`;

function pipelineYaml(name: string, kind: RunKind, o: SoakOptions): string {
  const timeout = kind === 'timeout' ? '    timeout: 3s\n' : '';
  return (
    `name: ${name}\ntasks:\n  noisy:\n${timeout}    steps:\n` +
    `      - name: flood\n        run: ${JSON.stringify(floodScript(o.floodLines))}\n` +
    `      - name: trickle\n        run: ${JSON.stringify(trickleScript(o.trickleLines))}\n`
  );
}

function expectedLines(o: SoakOptions): Record<string, string[]> {
  return {
    flood: Array.from({ length: o.floodLines }, (_, i) => String(i + 1)),
    trickle: Array.from({ length: o.trickleLines }, (_, i) => `trickle-${i + 1}`),
  };
}

function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Live processes whose command line mentions `dir` (the runs' agents, steps and proxies all do). */
export function processesUnder(dir: string, except: number[] = []): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid || except.includes(Number(pid))) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(dir) || env.includes(dir)) out.push(`${pid}: ${cmd.slice(0, 160)}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Mounts a tmpfs of sizeMiB at path; false when this process may not (not root, no mount namespace). */
async function mountTmpfs(path: string, sizeMiB: number): Promise<boolean> {
  mkdirSync(path, { recursive: true });
  const r = spawn('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', path], { stdio: 'ignore' });
  r.once('error', () => undefined);
  return (await exited(r)) === 0;
}

async function unmount(path: string): Promise<void> {
  const r = spawn('umount', [path], { stdio: 'ignore' });
  await exited(r);
}

/** Fills a file system to the last block, keeps it full for fillMs, and frees it. */
async function whileFull(path: string, fillMs: number): Promise<void> {
  const filler = join(path, 'filler');
  const dd = spawn('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
  await exited(dd); // ends with ENOSPC: the disk is full
  await new Promise((r) => setTimeout(r, fillMs));
  rmSync(filler, { force: true });
}

async function readSteps(store: Store, record: RunRecord | undefined, o: SoakOptions): Promise<StepLines[]> {
  const expected = expectedLines(o);
  if (!record) return [];
  const out: StepLines[] = [];
  for (const task of record.tasks) {
    for (const step of task.steps) {
      const stored: string[] = [];
      for (let after: LogPosition | undefined; ;) {
        const page = await store.readLogs({
          runId: record.id,
          task: task.taskRun,
          step: step.name,
          after,
          limit: 5000,
        });
        stored.push(...page.lines.map((l) => l.text));
        if (page.lines.length < 5000 || !page.last) break;
        after = page.last;
      }
      const logsComplete = (step as { logsComplete?: boolean }).logsComplete;
      out.push({ task: task.taskRun, step: step.name, expected: expected[step.name] ?? [], stored, logsComplete });
    }
  }
  return out;
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const t0 = performance.now();
  mkdirSync(o.dir, { recursive: true });
  const dbDir = join(o.dir, 'collector-disk');
  let diskFill: SoakReport['diskFill'] = o.diskFill ? 'skipped: no tmpfs (needs root)' : 'off';
  const tmpfs = o.diskFill ? await mountTmpfs(dbDir, o.diskFill.sizeMiB) : false;
  if (!tmpfs) mkdirSync(dbDir, { recursive: true });
  const collector = new CollectorProcess(await freePort(), `sqlite:${join(dbDir, 'kiln.db')}`, join(o.dir, 'state'));
  await collector.start();
  const secret = readFileSync(join(o.dir, 'state', 'collector-secret'), 'utf8').trim();

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(collector.proc?.pid))), 250);
  let kills = 0;
  let stopping = false;
  const killer = (async () => {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, o.killEveryMs));
      if (stopping) break;
      await collector.kill();
      kills++;
      await new Promise((r) => setTimeout(r, o.downMs));
      await collector.start();
    }
  })();
  const filler =
    tmpfs && o.diskFill
      ? (async () => {
          await new Promise((r) => setTimeout(r, o.diskFill!.atMs));
          await whileFull(dbDir, o.diskFill!.fillMs);
          diskFill = 'done';
        })()
      : Promise.resolve();

  const kinds: RunKind[] = Array.from({ length: o.runs }, (_, i) =>
    i === 0 ? 'cancelled' : i === 1 ? 'timeout' : 'normal',
  );
  const children: ChildProcess[] = [];
  const results = kinds.map(async (kind, i) => {
    const cwd = join(o.dir, `run-${i}`);
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'pipeline.yaml'), pipelineYaml(`soak-${i}`, kind, o));
    const child = spawn(process.execPath, [KILN, 'run', 'pipeline.yaml', '--json', '--collector', collector.url], {
      cwd,
      env: { ...process.env, KILN_COLLECTOR_SECRET: secret, KILN_TOKEN: '', KILN_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    let interrupted = false;
    let trickleSeen = false;
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      // Kiln's own words, not the steps' output (`task/step | …`), are what a failure needs.
      const own = text.split('\n').filter((l) => l && !/^\S+\/\S+ \| /.test(l));
      if (own.length) stderr = (stderr + own.join('\n') + '\n').slice(-4000);
      trickleSeen ||= text.includes('trickle-3');
      // Ctrl-C once the trickle is under way: both steps have run, neither has ended.
      if (kind === 'cancelled' && !interrupted && trickleSeen) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    // 'close', not 'exit': the record is read to its end only once stdout has closed.
    const exitCode = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    let record: RunRecord | undefined;
    try {
      record = JSON.parse(stdout) as RunRecord;
    } catch {
      stderr += `\nstdout is not a run record: ${stdout.slice(0, 200)}…${stdout.slice(-200)}`;
    }
    return { kind, exitCode, record, stderrTail: stderr.slice(-1500) };
  });
  const ended = await Promise.all(results);
  const leftProcesses = processesUnder(o.dir, collector.proc?.pid ? [collector.proc.pid] : []);
  stopping = true;
  await killer;
  await filler;
  clearInterval(sampler);
  await collector.kill();

  const store = await openStore(`sqlite:${join(dbDir, 'kiln.db')}`);
  const runs: SoakRun[] = [];
  try {
    for (const r of ended) runs.push({ ...r, steps: await readSteps(store, r.record, o) });
  } finally {
    await store.close();
    if (tmpfs) await unmount(dbDir);
  }
  return {
    runs,
    collectorKills: kills,
    diskFill,
    peakCollectorRssBytes: peakRss,
    leftProcesses,
    wallMs: performance.now() - t0,
  };
}

/** Each step's verdict: its lines exactly once and in order, or a prefix the record calls incomplete. */
export function judgeStep(s: StepLines, run: SoakRun): 'complete' | 'reported-incomplete' | 'prefix' | string {
  const n = s.stored.length;
  for (let i = 0; i < n; i++) {
    if (s.stored[i] !== s.expected[i])
      return `line ${i}: ${JSON.stringify(s.stored[i])}, want ${JSON.stringify(s.expected[i])}`;
  }
  if (n === s.expected.length) return 'complete';
  if (s.logsComplete === false) return 'reported-incomplete';
  // A step cut short by a cancel or a timeout prints only a prefix, and that is all of it.
  const status = run.record?.tasks.flatMap((t) => t.steps).find((x) => x.name === s.step)?.status;
  if (status !== 'Succeeded') return 'prefix';
  return `${s.expected.length - n} of ${s.expected.length} lines missing, and the record does not say so`;
}

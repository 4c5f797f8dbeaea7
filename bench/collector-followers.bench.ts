// Ingest with many followers: lines/s POSTed to a collector process (SQLite) with no follower,
// then the same with KILN_BENCH_FOLLOWERS (default 200) SSE followers of the run being written;
// the collector's CPU seconds for each, and how long after the last batch every follower had every
// line, their streams ended (followers get at most a share of the collector while ingest goes on: collector/follow-budget.ts).
// KILN_BENCH_FOLLOW_LINES (default 100 000) sets the volume, KILN_BENCH_FOLLOW_BATCH (default 1000)
// the lines a batch.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { mintRunToken } from '../collector/index.js';
import { LogBatch, PROTOBUF_MEDIA_TYPE } from '../contract/log-wire/index.js';
import { runRecord, testClaims } from '../testkit/store-fixtures.js';
import { cpuSeconds, cpuTimes, startChildCollector } from '../testkit/collector-process-stats.js';

const FOLLOWERS = Number(process.env.KILN_BENCH_FOLLOWERS ?? 200);
const LINES = Number(process.env.KILN_BENCH_FOLLOW_LINES ?? 100_000);
const BATCH = Number(process.env.KILN_BENCH_FOLLOW_BATCH ?? 1000);
const SECRET = 'bench-secret';
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-follow-'));
const c = await startChildCollector(dir, SECRET);
const readerToken = (await import('node:fs')).readFileSync(join(dir, 'reader-token'), 'utf8').trim();

async function post(path: string, body: Uint8Array | string, token: string, type: string): Promise<void> {
  const res = await request(`${c.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': type, authorization: `Bearer ${token}` },
  });
  if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${await res.body.text()}`);
  await res.body.dump();
}

/** FOLLOWERS followers of a run, in a process of their own; ended() answers the bytes they received. */
async function followers(run: string): Promise<{ pid: number; ended(): Promise<number> }> {
  const script = join(import.meta.dirname, '../testkit/sse-followers.ts');
  const args = ['--import', 'tsx', script, c.url, readerToken, run, String(FOLLOWERS)];
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  if ((await lines.next()).value !== 'ready') throw new Error('followers did not start');
  return {
    pid: p.pid!,
    async ended() {
      const all = /^all (\d+)$/.exec(String((await lines.next()).value));
      if (!all) throw new Error('followers stopped before their streams ended');
      return Number(all[1]);
    },
  };
}

async function ingest(run: string): Promise<{ linesPerS: number; user: number; sys: number }> {
  const token = mintRunToken(SECRET, testClaims(run));
  const cpu0 = cpuTimes(c.proc.pid!);
  const t0 = performance.now();
  for (let from = 0; from < LINES; from += BATCH) {
    const body = LogBatch.encode({
      pipelineRun: run,
      taskRun: `${run}-t`,
      steps: [
        {
          step: 's',
          stepIndex: 0,
          eof: from + BATCH >= LINES,
          lines: Array.from({ length: BATCH }, (_, i) => ({
            seq: from + i,
            stream: 0,
            timeMs: Date.now(),
            data: Buffer.from(`${String(from + i).padStart(8, '0')} compiling module ${i % 97} of the web app: ok`),
          })),
        },
      ],
    }).finish();
    await post('/v1/logs', body, token, PROTOBUF_MEDIA_TYPE);
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = cpuTimes(c.proc.pid!);
  return { linesPerS: LINES / s, user: cpu.user - cpu0.user, sys: cpu.sys - cpu0.sys };
}

/** One pair: the same ingest with no follower, then with FOLLOWERS, each into a run of its own. */
async function pair(i: number) {
  for (const run of [`alone-${i}`, `followed-${i}`]) {
    await post('/v1/runs', JSON.stringify(runRecord(run)), mintRunToken(SECRET, testClaims(run)), 'application/json');
  }
  const alone = await ingest(`alone-${i}`);
  const f = await followers(`followed-${i}`);
  const followerCpu0 = cpuSeconds(f.pid);
  const followed = await ingest(`followed-${i}`);
  const ingestEnd = performance.now();
  // The run finished: each follow stream ends after its last line.
  const done = { ...runRecord(`followed-${i}`), status: 'Succeeded', finishedAt: new Date().toISOString() };
  await post('/v1/runs', JSON.stringify(done), mintRunToken(SECRET, testClaims(`followed-${i}`)), 'application/json');
  const collectorCpu0 = cpuSeconds(c.proc.pid!);
  let followerCpu = 0;
  const sampler = setInterval(() => (followerCpu = cpuSeconds(f.pid) - followerCpu0), 50);
  const received = await f.ended();
  clearInterval(sampler);
  const catchUpMs = performance.now() - ingestEnd;
  const catchUpCpu = cpuSeconds(c.proc.pid!) - collectorCpu0;
  return {
    alone,
    followed,
    ratio: followed.linesPerS / alone.linesPerS,
    catchUpMs,
    catchUpCpu,
    followerCpu,
    received,
  };
}

// The machine is shared: pairs are repeated and the median pair (by ratio) is shown.
const PAIRS = Number(process.env.KILN_BENCH_FOLLOW_PAIRS ?? 3);
try {
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) pairs.push(await pair(i));
  const fmt = (r: { linesPerS: number; user: number; sys: number }) =>
    `${Math.round(r.linesPerS).toLocaleString('en')} lines/s (collector CPU ${r.user.toFixed(2)} s user + ${r.sys.toFixed(2)} s system)`;
  const m = [...pairs].sort((a, b) => a.ratio - b.ratio)[Math.floor(pairs.length / 2)];
  console.log(
    `ingest of ${LINES.toLocaleString('en')} lines in batches of ${BATCH}, one collector process (SQLite); median of ${PAIRS} pairs ` +
      `(ratios ${pairs.map((p) => p.ratio.toFixed(2)).join(', ')}):`,
  );
  console.log(`  no follower:              ${fmt(m.alone)}`);
  console.log(`  ${FOLLOWERS} followers of the run: ${fmt(m.followed)}  = ${m.ratio.toFixed(2)}×`);
  console.log(
    `  every follower had every line ${m.catchUpMs.toFixed(0)} ms after the last batch (collector CPU meanwhile ${m.catchUpCpu.toFixed(2)} s; they received ${(m.received / 1048576).toFixed(0)} MB; their process used ${m.followerCpu.toFixed(2)} s CPU)`,
  );
} finally {
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
}

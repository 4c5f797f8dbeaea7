// How soon a waiting approval gate learns its decision: from the POST that stores a person's
// decision is sent to the engine's wait resolving (collectorApprovals: a long poll the collector
// answers as the decision is stored), against a real collector on loopback (SQLite) — beside the
// same measured for a waiter that asks every second (what a polling gate does), in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { RunRecord } from '../contract/index.js';
import { mintPersonToken, startCollector } from '../collector/index.js';
import { CollectorClient, collectorApprovals } from '../collector/client/index.js';
import { fmt, median, percentile } from './agent-stats.js';
import { testClaims } from '../testkit/store-fixtures.js';

const ROUNDS = Number(process.env.KILN_BENCH_RUNS ?? 30);
const POLL_ROUNDS = Math.min(ROUNDS, 8);
const SECRET = 'bench-approval-secret';
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-approval-'));
const collector = await startCollector({
  db: `sqlite:${join(dir, 'kiln.db')}`,
  stateDir: dir,
  secret: SECRET,
  cache: false,
});
const client = new CollectorClient(collector.url);
const alice = mintPersonToken(SECRET, { name: 'alice', groups: [] });

async function waitingRun(id: string): Promise<string> {
  const token = collector.mintRunToken(testClaims(id));
  const record: RunRecord = {
    id,
    name: 'web-app',
    status: 'Running',
    startedAt: new Date().toISOString(),
    params: {},
    tasks: [
      {
        name: 'gate',
        taskRun: `${id}-gate`,
        status: 'Running',
        attempts: 1,
        results: {},
        steps: [],
        approval: { message: 'ship?', approvers: [], onTimeout: 'fail' },
      },
    ],
  };
  await client.postRun(record, token);
  return token;
}

/** Sends the decision; answers when it was sent and how long the POST took. */
async function decide(id: string): Promise<{ sent: number; postMs: number }> {
  const sent = performance.now();
  const res = await request(`${collector.url}/v1/runs/${id}/approvals/gate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve' }),
  });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`decision: ${res.statusCode}`);
  return { sent, postMs: performance.now() - sent };
}

/** A waiter that asks once a second, as a polling gate does. */
async function pollingWait(id: string, token: string): Promise<void> {
  for (;;) {
    const a = await client.approval(id, 'gate', { token });
    if (a.approval.decision) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

try {
  const longPoll: number[] = [];
  const posts: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const id = `lp-${i}`;
    const token = await waitingRun(id);
    const waiting = collectorApprovals(client, token).wait(id, 'gate', new AbortController().signal);
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100)); // decided while the wait is held
    const { sent, postMs } = await decide(id);
    await waiting;
    longPoll.push(performance.now() - sent);
    posts.push(postMs);
  }
  const polling: number[] = [];
  for (let i = 0; i < POLL_ROUNDS; i++) {
    const id = `poll-${i}`;
    const token = await waitingRun(id);
    const waiting = pollingWait(id, token);
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 1000));
    const { sent } = await decide(id);
    await waiting;
    polling.push(performance.now() - sent);
  }
  console.log(
    `approval decision → waiting engine, ${ROUNDS} decisions (long poll) / ${POLL_ROUNDS} (polling every 1 s)`,
  );
  const line = (what: string, xs: number[]) =>
    console.log(`  ${what.padEnd(26)} median ${fmt(median(xs))}, p95 ${fmt(percentile(xs, 95))}`);
  line('long poll (Kiln):', longPoll);
  line('the decision POST alone:', posts);
  line('polling every 1 s:', polling);
} finally {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
}

// A run whose `kiln run` process died (SIGKILL, a crash, a closed laptop lid) never sends its
// end: its record says Running forever and a follower of its logs waits forever. Readers on the
// machine that ran it can tell: the process the record names is gone; elsewhere, its heartbeats
// (cli/heartbeat.ts) have stopped. Such a run is shown, and
// where the store is writable stored, as ended, with the reason.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  HEARTBEAT_LOST_REASON,
  heartbeatOf,
  PROCESS_GONE_REASON,
  runProcessOf,
  type RunRecord,
} from '../contract/index.js';
import type { RunListQuery, RunSummary, Store } from './store/types.js';

/** Whether a process of this machine is alive and still a `kiln` (a reused pid is not). */
export function kilnProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z /s.test(stat)) return false; // exited, not yet reaped
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kiln');
  } catch {
    return true; // no /proc to ask: the signal said it exists
  }
}

export interface OrphanProbe {
  host: string;
  alive(pid: number): boolean;
}

export const thisMachine: OrphanProbe = { host: hostname(), alive: kilnProcessAlive };

/** A run whose process is on another machine is ended after this many missed heartbeats. */
export const MISSED_HEARTBEATS = 3;

/**
 * The record ended (Failed, with the reason) when it says Running but its process is gone: on this
 * machine the process is looked for; a process elsewhere must have sent a heartbeat lately. Else null.
 */
export function endIfOrphaned(record: RunRecord, probe: OrphanProbe = thisMachine, now = new Date()): RunRecord | null {
  if (record.status !== 'Running') return null;
  const proc = runProcessOf(record);
  if (proc && proc.host === probe.host) {
    if (probe.alive(proc.pid)) return null;
    const why = `the kiln process running it (pid ${proc.pid} on ${proc.host}) ended before the run did`;
    return ended(record, `${PROCESS_GONE_REASON}: ${why}`, now);
  }
  const beat = heartbeatOf(record);
  if (!beat || now.getTime() - beat.at <= MISSED_HEARTBEATS * beat.everyMs) return null;
  const who = proc ? `the kiln process running it (pid ${proc.pid} on ${proc.host})` : 'the kiln process running it';
  const why = `no heartbeat from ${who} since ${new Date(beat.at).toISOString()} (one is due every ${beat.everyMs / 1000}s)`;
  return ended(record, `${HEARTBEAT_LOST_REASON}: ${why}`, now);
}

function ended(record: RunRecord, reason: string, now: Date): RunRecord {
  const finishedAt = now.toISOString();
  const end = <T extends { status: string; finishedAt?: string }>(x: T): T =>
    x.status === 'Running' || x.status === 'Pending' ? { ...x, status: 'Failed', finishedAt } : x;
  return {
    ...record,
    status: 'Failed',
    reason,
    finishedAt,
    tasks: record.tasks.map((t) => ({ ...end(t), steps: t.steps.map(end) })),
  };
}

/**
 * The store, its reads answering orphaned runs as ended. `persist`: store the ended record (a
 * writable store); otherwise it is only shown so (a read-only store file).
 */
export function endingOrphans(store: Store, o: { persist: boolean; probe?: OrphanProbe }): Store {
  const check = async (record: RunRecord | null): Promise<RunRecord | null> => {
    const ended = record && endIfOrphaned(record, o.probe);
    if (!ended) return record;
    if (o.persist) await store.putRun(ended);
    return ended;
  };
  return Object.assign(Object.create(store) as Store, {
    getRun: async (id: string) => check(await store.getRun(id)),
    async listRuns(q: RunListQuery): Promise<RunSummary[]> {
      const runs = await store.listRuns(q);
      const out: RunSummary[] = [];
      for (const r of runs) {
        const ended = r.status === 'Running' ? await check(await store.getRun(r.id)) : null;
        const s = ended ? { ...r, status: ended.status, finishedAt: ended.finishedAt ?? null } : r;
        if (!q.status || s.status === q.status) out.push(s);
      }
      return out;
    },
  });
}

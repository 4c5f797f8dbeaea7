// A run whose `kiln run` process died (SIGKILL, a crash, a closed laptop lid) never sends its
// end: its record says Running forever and a follower of its logs waits forever. Readers on the
// machine that ran it can tell: the process the record names is gone. Such a run is shown, and
// where the store is writable stored, as ended, with the reason.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { PROCESS_GONE_REASON, runProcessOf, type RunRecord } from '../contract/index.js';
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

/** The record ended (Failed, with the reason) when it says Running but its process is gone; else null. */
export function endIfOrphaned(record: RunRecord, probe: OrphanProbe = thisMachine, now = new Date()): RunRecord | null {
  if (record.status !== 'Running') return null;
  const proc = runProcessOf(record);
  if (!proc || proc.host !== probe.host || probe.alive(proc.pid)) return null;
  const finishedAt = now.toISOString();
  const why = `the kiln process running it (pid ${proc.pid} on ${proc.host}) ended before the run did`;
  const end = <T extends { status: string; finishedAt?: string }>(x: T): T =>
    x.status === 'Running' || x.status === 'Pending' ? { ...x, status: 'Failed', finishedAt } : x;
  return {
    ...record,
    status: 'Failed',
    reason: `${PROCESS_GONE_REASON}: ${why}`,
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

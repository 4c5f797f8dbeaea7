// The labels `kiln run` puts on a local run's record: where its `kiln` process runs (so a reader
// on the same machine can tell a run whose process died from one still going, and `kiln cancel`
// can signal it) and what it was started from (so `kiln rerun` can start it again).
import type { RunRecord } from './record.js';

export const RUN_LABELS = {
  /** The `kiln run` process's pid. */
  pid: 'kiln.dev/pid',
  /** The host name of the machine it runs on. */
  host: 'kiln.dev/host',
  /** The directory it was started in (relative paths and .kiln/ are resolved against it). */
  cwd: 'kiln.dev/cwd',
  /** JSON array of the pipeline files, absolute. */
  files: 'kiln.dev/files',
  /** JSON object: workspace name → directory bound with --workspace, absolute. */
  workspaces: 'kiln.dev/workspaces',
  /** When the `kiln run` process last said it is alive (ISO time), while the run goes on. */
  heartbeat: 'kiln.dev/heartbeat',
  /** How often it says so, in milliseconds. */
  heartbeatEvery: 'kiln.dev/heartbeat-every',
  /** The collector the run reports to (an embedded one lives only while its run does): `kiln approve` finds it here. */
  collector: 'kiln.dev/collector',
} as const;

/** The reason a run gets when its `kiln` process, on another machine, stopped sending heartbeats. */
export const HEARTBEAT_LOST_REASON = 'KilnHeartbeatLost';

/** A run's last heartbeat and its period, when the record carries them. */
export function heartbeatOf(record: Pick<RunRecord, 'labels'>): { at: number; everyMs: number } | null {
  const at = Date.parse(record.labels?.[RUN_LABELS.heartbeat] ?? '');
  const everyMs = Number(record.labels?.[RUN_LABELS.heartbeatEvery]);
  return Number.isFinite(at) && Number.isFinite(everyMs) && everyMs > 0 ? { at, everyMs } : null;
}

/** The reason a run gets when its `kiln` process is found gone while the record says Running. */
export const PROCESS_GONE_REASON = 'KilnProcessGone';

/** Where a local run's `kiln` process is, when the record says (a cluster run has none). */
export function runProcessOf(record: Pick<RunRecord, 'labels'>): { pid: number; host: string } | null {
  const pid = Number(record.labels?.[RUN_LABELS.pid]);
  const host = record.labels?.[RUN_LABELS.host];
  return Number.isInteger(pid) && pid > 0 && host ? { pid, host } : null;
}

/** What `kiln rerun` needs, when the record carries it. */
export function rerunSourceOf(
  record: Pick<RunRecord, 'labels'>,
): { cwd: string; files: string[]; workspaces: Record<string, string> } | null {
  const l = record.labels ?? {};
  if (!l[RUN_LABELS.files] || !l[RUN_LABELS.cwd]) return null;
  try {
    return {
      cwd: l[RUN_LABELS.cwd],
      files: JSON.parse(l[RUN_LABELS.files]) as string[],
      workspaces: l[RUN_LABELS.workspaces] ? (JSON.parse(l[RUN_LABELS.workspaces]) as Record<string, string>) : {},
    };
  } catch {
    return null;
  }
}

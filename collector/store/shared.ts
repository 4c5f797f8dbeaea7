// What both stores share: the SQL text that differs only in placeholders, row mapping, and the
// log page walk (streams first, then each stream's lines by primary key, so a page is an index
// range scan however long the log is).
import type { LogLineRow, LogPage, LogQuery, RetentionPolicy, RunListQuery, StreamName } from './types.js';

export type Placeholder = (index: number) => string;

export interface StreamRow {
  id: number;
  task_run: string;
  step: string;
}

export interface LineSqlRow {
  seq: number | string;
  stream: number;
  time_ms: number | string;
  text: string;
}

export function toLine(task: string, step: string, r: LineSqlRow): LogLineRow {
  const stream: StreamName = Number(r.stream) === 1 ? 'stderr' : 'stdout';
  return { task, step, stream, seq: Number(r.seq), time: Number(r.time_ms), text: r.text };
}

export function runsSql(q: RunListQuery, p: Placeholder): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => {
    args.push(v);
    return p(args.length);
  };
  if (q.pipeline) where.push(`pipeline = ${arg(q.pipeline)}`);
  if (q.status) where.push(`status = ${arg(q.status)}`);
  if (q.before) where.push(`(started_ms, id) < (${arg(q.before.startedMs)}, ${arg(q.before.id)})`);
  const sql = `SELECT id, pipeline, status, started_at AS "startedAt", finished_at AS "finishedAt",
      started_ms AS "startedMs" FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_ms DESC, id DESC LIMIT ${arg(q.limit)}`;
  return { sql, args };
}

/** SELECT of the run ids a retention policy deletes. */
export function retentionSql(policy: RetentionPolicy, p: Placeholder): { sql: string | null; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => {
    args.push(v);
    return p(args.length);
  };
  if (policy.olderThanMs !== undefined) parts.push(`SELECT id FROM runs WHERE started_ms < ${arg(policy.olderThanMs)}`);
  if (policy.keepLast !== undefined) {
    parts.push(`SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY pipeline ORDER BY started_ms DESC, id DESC) AS n
      FROM runs) ranked WHERE n > ${arg(policy.keepLast)}`);
  }
  return { sql: parts.length ? parts.join(' UNION ') : null, args };
}

/** The primitives a store gives the log page walk. */
export interface LogPrimitives {
  streams(runId: string, task?: string, step?: string): Promise<StreamRow[]>;
  /** Lines of one stream with seq after `afterSeq` (ascending) or before it (descending). */
  lines(streamId: number, from: number, limit: number, descending: boolean): Promise<LineSqlRow[]>;
}

export async function readLogPage(prim: LogPrimitives, q: LogQuery): Promise<LogPage> {
  const streams = (await prim.streams(q.runId, q.task, q.step)).map((s) => ({ ...s, id: Number(s.id) }));
  const out: LogLineRow[] = [];
  let last: LogPage['last'] = null;
  if (q.tail !== undefined) {
    // Walk streams newest first, collect the last N lines, then put them back in order.
    const chunks: LogLineRow[][] = [];
    let want = Math.min(q.tail, q.limit);
    for (const s of [...streams].reverse()) {
      if (want <= 0) break;
      const rows = await prim.lines(s.id, Number.MAX_SAFE_INTEGER, want, true);
      if (rows.length && !last) last = { streamId: s.id, seq: Number(rows[0].seq) };
      chunks.unshift(rows.reverse().map((r) => toLine(s.task_run, s.step, r)));
      want -= rows.length;
    }
    return { lines: chunks.flat(), last };
  }
  for (const s of streams) {
    if (out.length >= q.limit) break;
    if (q.after && s.id < q.after.streamId) continue;
    const from = q.after && s.id === q.after.streamId ? q.after.seq : -1;
    const rows = await prim.lines(s.id, from, q.limit - out.length, false);
    for (const r of rows) out.push(toLine(s.task_run, s.step, r));
    if (rows.length) last = { streamId: s.id, seq: Number(rows[rows.length - 1].seq) };
  }
  // A page that found nothing new keeps the caller's position, so a follower does not rewind.
  return { lines: out, last: last ?? q.after ?? null };
}

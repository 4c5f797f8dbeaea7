// What both stores share: the SQL text that differs only in placeholders, row mapping, and the
// log page walk (streams first, then each stream's lines by primary key, so a page is an index
// range scan however long the log is).
import { chunkMeta, decodeChunk, type ChunkRow, type EncodedChunk, type LineSqlRow } from './chunk-codec.js';
import {
  sliceText,
  type LogLineRow,
  type LogPage,
  type LogQuery,
  type RetentionPolicy,
  type RunListQuery,
  type SearchHit,
  type StepLinesInput,
  type StreamName,
} from './types.js';

export type Placeholder = (index: number) => string;

export interface StreamRow {
  id: number;
  task_run: string;
  step: string;
}

export type { LineSqlRow };

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
  /**
   * Up to `count` chunks of one stream in order: ascending, those holding a seq above `from`;
   * descending, those holding a seq below it.
   */
  chunks(streamId: number, from: number, count: number, descending: boolean): Promise<ChunkRow[]>;
}

/** A stored chunk holds at most this many lines, so a page read decodes little it does not return. */
export const CHUNK_MAX_LINES = 1000;
const CHUNK_MAX_CHARS = 256 * 1024;

/**
 * What a step's lines of one batch add to the store, given where its stored lines end: lines
 * already stored are dropped (a resend), and nothing is stored past a gap (an earlier batch not
 * stored yet), so a stream's stored lines are always seq 0 … nextSeq − 1, each once. A chunk's
 * text is a slice of the lines' joined text and its table is written from their columns: no
 * object or string per line.
 */
export function linesToStore(
  s: StepLinesInput,
  storedNext: number,
): { chunks: (EncodedChunk & { firstSeq: number; endSeq: number })[]; next: number; eof: boolean } {
  const { heads, text } = s.lines;
  const count = heads.length;
  const first = count ? s.lines.firstSeq : storedNext;
  if (first > storedNext) return { chunks: [], next: storedNext, eof: false };
  const skip = Math.min(storedNext - first, count);
  // Where line `skip`'s text starts: past the dropped lines and their newlines.
  let pos = 0;
  for (let k = 0; k < skip; k++) pos += Math.floor(heads[k] / 2) + 1;
  const chunks = [];
  for (let i = skip; i < count;) {
    const start = pos;
    let j = i;
    let chars = 0;
    for (; j < count && j - i < CHUNK_MAX_LINES; j++) {
      const length = Math.floor(heads[j] / 2);
      if (j > i && chars + length > CHUNK_MAX_CHARS) break;
      chars += length + 1;
    }
    pos = start + chars;
    chunks.push({
      meta: chunkMeta(s.lines, i, j),
      text: sliceText(text, start, pos - 1),
      firstSeq: first + i,
      endSeq: first + j - 1,
    });
    i = j;
  }
  return { chunks, next: first + count > storedNext ? first + count : storedNext, eof: s.eof };
}

/** Reads lines of one stream chunk by chunk: one chunk first, then more as a page needs them. */
async function streamLines(
  prim: LogPrimitives,
  streamId: number,
  from: number,
  limit: number,
  descending: boolean,
): Promise<LineSqlRow[]> {
  const out: LineSqlRow[] = [];
  let cursor = from;
  for (let count = 1; out.length < limit; count = Math.min(count * 2, 64)) {
    const rows = await prim.chunks(streamId, cursor, count, descending);
    for (const row of rows) {
      const lines = descending ? decodeChunk(row, -Infinity, cursor).reverse() : decodeChunk(row, cursor + 1);
      for (const l of lines) {
        if (out.length === limit) break;
        out.push(l);
      }
      if (out.length === limit) break;
      if (lines.length) cursor = Number(lines[lines.length - 1].seq);
    }
    if (rows.length < count) break;
  }
  return out;
}

/** A chunk a search found, with the stream it belongs to. */
export type SearchChunkRow = ChunkRow & StreamRow & { run: string; end_seq: number | string };

/**
 * Search over chunks: the store picks chunks whose text matches (in stream and seq order, after
 * a cursor), and the lines that match are kept, until `limit` lines.
 */
export async function searchChunks(
  matchingChunks: (after: { streamId: number; endSeq: number } | null, count: number) => Promise<SearchChunkRow[]>,
  matches: (line: string) => boolean,
  limit: number,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  let after: { streamId: number; endSeq: number } | null = null;
  for (;;) {
    const rows = await matchingChunks(after, 64);
    for (const r of rows) {
      for (const l of decodeChunk(r)) {
        if (matches(l.text)) hits.push({ run: r.run, ...toLine(r.task_run, r.step, l) });
        if (hits.length === limit) return hits;
      }
    }
    if (rows.length < 64) return hits;
    const last = rows[rows.length - 1];
    after = { streamId: Number(last.id), endSeq: Number(last.end_seq) };
  }
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
      const rows = await streamLines(prim, s.id, Number.MAX_SAFE_INTEGER, want, true);
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
    const rows = await streamLines(prim, s.id, from, q.limit - out.length, false);
    for (const r of rows) out.push(toLine(s.task_run, s.step, r));
    if (rows.length) last = { streamId: s.id, seq: Number(rows[rows.length - 1].seq) };
  }
  // A page that found nothing new keeps the caller's position, so a follower does not rewind.
  return { lines: out, last: last ?? q.after ?? null };
}

// Lines are stored in chunks: one row per step per ingested batch, not one per line. A row per
// line made ingest cost a B-tree insert (SQLite) or a tuple and an index entry (PostgreSQL) per
// line; a chunk is one of each for thousands. A chunk keeps the lines' texts joined by "\n" in a
// text column (so LIKE can pick the chunks a search may hit) and, per line, its length in UTF-16
// units, its stream and its time (as a delta) as varints in `meta`. Pure: no I/O.
import { KilnError, MAX_VARINT, putVarint, unzigzag, VarintReader, zigzag } from '../../contract/index.js';
import type { ChunkText, LineColumns } from './types.js';

/** A line as a store reads it (the shape of the old line rows, which the migration reads too). */
export interface LineSqlRow {
  seq: number | string;
  stream: number;
  time_ms: number | string;
  text: string;
}

export interface EncodedChunk {
  meta: Buffer;
  text: ChunkText;
}

/** A stored chunk as read back: lines firstSeq, firstSeq + 1, … */
export interface ChunkRow {
  first_seq: number | string;
  meta: Buffer;
  text: string;
}

/**
 * Where a chunk's table is written before its exact size is known: one buffer for every chunk.
 * A new one per chunk (16 KB for 1000 lines, past Buffer's pool, so each its own allocation) cost
 * the collector ≈ 8 ms of CPU per 64 MB of 100-byte lines (a CPU profile of bench/logs-e2e).
 */
let scratch = Buffer.allocUnsafeSlow(0);

/** The table (`meta`) of lines [from, to) of the columns: per line its head, then its time as a delta. */
export function encodeChunkMeta(heads: Uint32Array, times: Float64Array, from: number, to: number): Buffer {
  const room = (to - from) * 2 * MAX_VARINT;
  if (scratch.length < room) scratch = Buffer.allocUnsafeSlow(Math.max(room, 2 * scratch.length));
  const meta = scratch;
  let at = 0;
  let prevTime = 0;
  for (let i = from; i < to; i++) {
    at = putVarint(meta, at, heads[i]);
    at = putVarint(meta, at, zigzag(times[i] - prevTime));
    prevTime = times[i];
  }
  return Buffer.from(meta.subarray(0, at));
}

/**
 * The same table as encodeChunkMeta's, from the wire's packed_meta (same encoding: a head, then
 * the time as a delta from the line before, the first from 0) when the columns are the wire's
 * own: line `from`'s entry written anew (its time whole, as a chunk's first), the rest the wire's
 * bytes as they came. Encoding every entry again was ≈ 1 ms per 32 000 lines on the collector's
 * event loop, the stage a flood of logs waits on.
 */
export function chunkMetaFromWire(
  wire: { bytes: Uint8Array; ends: Uint32Array },
  heads: Uint32Array,
  times: Float64Array,
  from: number,
  to: number,
): Buffer {
  const rest = to - from > 1 ? wire.bytes.subarray(wire.ends[from], wire.ends[to - 1]) : EMPTY;
  const meta = Buffer.allocUnsafe(2 * MAX_VARINT + rest.length);
  const at = putVarint(meta, putVarint(meta, 0, heads[from]), zigzag(times[from]));
  meta.set(rest, at);
  return meta.subarray(0, at + rest.length);
}

const EMPTY = new Uint8Array(0);

/** The table of lines [from, to) of the columns: cut from the wire's when they carry it, else encoded. */
export function chunkMeta(lines: LineColumns, from: number, to: number): Buffer {
  return lines.wireMeta
    ? chunkMetaFromWire(lines.wireMeta, lines.heads, lines.times, from, to)
    : encodeChunkMeta(lines.heads, lines.times, from, to);
}

/** A stored chunk that does not decode: the store's data is damaged, not the request. */
export class CorruptChunkError extends KilnError {
  readonly code = 'corrupt-log-chunk';
  constructor(
    readonly firstSeq: number,
    detail: string,
  ) {
    super(`the stored log chunk starting at seq ${firstSeq} is corrupt: ${detail}`);
  }
}

/** The chunk's lines with seq in [fromSeq, toSeq). */
export function decodeChunk(row: ChunkRow, fromSeq = -Infinity, toSeq = Infinity): LineSqlRow[] {
  const firstSeq = Number(row.first_seq);
  const { meta, text } = row;
  const out: LineSqlRow[] = [];
  let pos = 0;
  let time = 0;
  const table = new VarintReader(meta, (fault) => {
    throw new CorruptChunkError(
      firstSeq,
      fault === 'ends' ? 'its line table ends early' : 'a varint longer than any it writes',
    );
  });
  for (let seq = firstSeq; !table.done && seq < toSeq; seq++) {
    const head = table.next();
    time += unzigzag(table.next());
    const length = Math.floor(head / 2);
    if (pos + length > text.length) throw new CorruptChunkError(firstSeq, 'a line runs past its text');
    if (seq >= fromSeq) out.push({ seq, stream: head % 2, time_ms: time, text: text.slice(pos, pos + length) });
    pos += length + 1;
  }
  return out;
}

/**
 * A search's line test, the same fold as the store's LIKE: SQLite folds ASCII letters only,
 * PostgreSQL's ILIKE every letter. The chunk query narrows by the same pattern; this keeps the lines.
 */
export function lineMatcher(text: string, fold: 'ascii' | 'unicode'): (line: string) => boolean {
  const lower =
    fold === 'ascii' ? (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : (s: string) => s.toLowerCase();
  const needle = lower(text);
  return (line) => lower(line).includes(needle);
}

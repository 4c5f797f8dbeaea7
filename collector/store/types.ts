// The one store interface: SQLite (embedded) and PostgreSQL implement it, and one test suite
// (test/collector/store.test.ts) runs against both.
import type { RunRecord } from '../../contract/index.js';

export type StreamName = 'stdout' | 'stderr';

/** One step's lines of one ingested batch, contiguous in seq. */
export interface StepLinesInput {
  step: string;
  stepIndex: number;
  lines: LineColumns;
  eof: boolean;
}

/**
 * Lines seq firstSeq, firstSeq + 1, … as columns, not an object per line: the collector builds
 * them from the wire's packed bytes (decode.ts) and the store cuts chunks from them (a chunk's text
 * is a slice of `text`, its table the lines' heads and times).
 */
export interface LineColumns {
  firstSeq: number;
  /** Per line: its text's length in UTF-16 units × 2, plus 1 when it is stderr. */
  heads: Uint32Array;
  times: Float64Array;
  /** The lines' texts joined by "\n"; or, as ASCII text without NUL, those bytes (ChunkText). */
  text: ChunkText;
  /**
   * The wire's packed_meta and where each line's entry ends in it, when heads and times are the
   * wire's own (text not re-measured as UTF-16): a chunk's table is then mostly a slice of it.
   */
  wireMeta?: { bytes: Uint8Array; ends: Uint32Array };
}

/**
 * A text, or its bytes when they are ASCII without NUL: text sent as ASCII bytes is stored from
 * the request's bytes (a view), not a string made of them and converted back to bytes by the
 * store's driver, which cost the collector two copies of every byte. A byte is a UTF-16 unit here.
 */
export type ChunkText = string | Buffer;

/** Characters [from, to) of a ChunkText, of the same kind. */
export function sliceText(text: ChunkText, from: number, to: number): ChunkText {
  return typeof text === 'string' ? text.slice(from, to) : text.subarray(from, to);
}

/** A ChunkText as a string (PostgreSQL's driver takes text as strings). */
export function textString(text: ChunkText): string {
  return typeof text === 'string' ? text : text.toString('latin1');
}

/** Columns of lines given one by one (the wire's message per line, old line rows, tests). */
export function lineColumns(
  firstSeq: number,
  lines: readonly { stream: StreamName; timeMs: number; text: string }[],
): LineColumns & { text: string } {
  const heads = new Uint32Array(lines.length);
  const times = new Float64Array(lines.length);
  lines.forEach((l, i) => {
    heads[i] = l.text.length * 2 + (l.stream === 'stderr' ? 1 : 0);
    times[i] = l.timeMs;
  });
  return { firstSeq, heads, times, text: lines.map((l) => l.text).join('\n') };
}

export interface IngestInput {
  pipelineRun: string;
  taskRun: string;
  steps: StepLinesInput[];
}

export interface StepAck {
  step: string;
  nextSeq: number;
}

export interface LogLineRow {
  task: string;
  step: string;
  stream: StreamName;
  seq: number;
  /** Unix ms when the line was read in the pod. */
  time: number;
  text: string;
}

/** Where a page of lines stops: the next page starts after (streamId, seq). */
export interface LogPosition {
  streamId: number;
  seq: number;
}

export interface LogQuery {
  runId: string;
  task?: string;
  step?: string;
  after?: LogPosition;
  /** The last N lines (of the filtered set) instead of the first. */
  tail?: number;
  limit: number;
}

export interface LogPage {
  lines: LogLineRow[];
  /** Position of the last line returned; null when no line matched. */
  last: LogPosition | null;
}

/** A step's log stream as the store knows it. */
export interface LogStreamInfo {
  task: string;
  step: string;
  stepIndex: number;
  nextSeq: number;
  eof: boolean;
}

export interface RunSummary {
  id: string;
  pipeline: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  /** startedAt in unix ms: the cursor's key. */
  startedMs: number;
}

export interface RunListQuery {
  pipeline?: string;
  status?: string;
  limit: number;
  /** Start strictly after this run (newest first order). */
  before?: { startedMs: number; id: string };
}

export interface SearchHit extends LogLineRow {
  run: string;
}

export interface RetentionPolicy {
  /** Delete runs started before this unix ms. */
  olderThanMs?: number;
  /** Keep only the newest N runs of each pipeline. */
  keepLast?: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Stores the lines (a line already stored is left alone) and answers the acked seq per step. */
  ingest(batch: IngestInput): Promise<StepAck[]>;
  putRun(record: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | null>;
  listRuns(q: RunListQuery): Promise<RunSummary[]>;
  readLogs(q: LogQuery): Promise<LogPage>;
  logStreams(runId: string): Promise<LogStreamInfo[]>;
  search(q: { text: string; runId?: string; limit: number }): Promise<SearchHit[]>;
  /** Stores a task result's value, replacing an earlier one (a retried attempt writes again). */
  putResult(r: { runId: string; taskRun: string; name: string; value: Buffer }): Promise<void>;
  getResult(runId: string, taskRun: string, name: string): Promise<Buffer | null>;
  /** Deletes the runs the policy rejects, with their logs and task results; answers the ids deleted. */
  applyRetention(policy: RetentionPolicy): Promise<string[]>;
  close(): Promise<void>;
}

/** Postgres cannot store NUL in text; replace it in both stores so they answer the same. */
export function storableText(data: Uint8Array): string {
  // protobufjs hands bytes fields over as Buffers in Node: no view to wrap them in then.
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return withoutNul(bytes.toString('utf8'));
}

export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

export function startedMsOf(record: RunRecord): number {
  const ms = Date.parse(record.startedAt);
  return Number.isFinite(ms) ? ms : 0;
}

/** Escapes LIKE wildcards so a search text matches literally (with `ESCAPE '\'`). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

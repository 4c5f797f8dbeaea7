// Decodes and checks a POST /v1/logs body. Pure: bytes in, an IngestInput or a BadLogBatch out.
import { isAscii } from 'node:buffer';
import {
  LogBatch,
  PackedLinesError,
  Stream,
  unpackTable,
  type ILogLine,
  type PackedTable,
} from '../contract/log-wire/index.js';
import { BadLogBatch } from './errors.js';
import {
  lineColumns,
  storableText,
  withoutNul,
  type IngestInput,
  type ChunkText,
  type LineColumns,
  type StepLinesInput,
} from './store/types.js';

export const BATCH_LIMITS = { maxSteps: 256, maxLines: 100_000, maxName: 253 } as const;
/** Both stores keep step_index in a 32-bit signed column. */
const MAX_STEP_INDEX = 2 ** 31 - 1;

/**
 * A uint64 field as a number, refused past 2^53 - 1, where a JS number (and so the store) would
 * round it. `what` is a function: this runs twice per line, and the message is rarely needed.
 */
function exactUint(v: unknown, what: () => string): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  if (!Number.isSafeInteger(n)) throw new BadLogBatch(`${what()} ${String(v)} is over ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

export function decodeLogBatch(body: Uint8Array): IngestInput {
  let msg: ReturnType<typeof LogBatch.decode>;
  try {
    msg = LogBatch.decode(body);
  } catch (err) {
    throw new BadLogBatch(
      `not a kiln.v1.LogBatch protobuf (${(err as Error).message}); send the bytes of LogBatch.encode()`,
    );
  }
  checkName('pipeline_run', msg.pipelineRun);
  checkName('task_run', msg.taskRun);
  if (msg.steps.length > BATCH_LIMITS.maxSteps) {
    throw new BadLogBatch(`${msg.steps.length} steps in one batch; at most ${BATCH_LIMITS.maxSteps}`, 413);
  }
  let total = 0;
  const seen = new Set<string>();
  const steps = msg.steps.map((s, i): StepLinesInput => {
    const step = s.step ?? '';
    const raw = s.lines ?? [];
    checkName(`steps[${i}].step`, step);
    if (seen.has(step)) throw new BadLogBatch(`step ${JSON.stringify(step)} appears twice; send one entry per step`);
    seen.add(step);
    if (total + raw.length > BATCH_LIMITS.maxLines)
      throw new BadLogBatch(`more than ${BATCH_LIMITS.maxLines} lines in one batch; split it`, 413);
    const stepIndex = s.stepIndex ?? 0;
    if (stepIndex > MAX_STEP_INDEX)
      throw new BadLogBatch(`steps[${i}] (${step}): step_index ${stepIndex} is over ${MAX_STEP_INDEX}`);
    const where = `steps[${i}] (${step})`;
    const data = s.packedData ?? EMPTY;
    const terminated = s.packedLines ?? EMPTY;
    if (data.length > 0 && terminated.length > 0)
      throw new BadLogBatch(`${where} has both packed_data and packed_lines; send one or the other`);
    const packed = (s.packedMeta?.length ?? 0) > 0 || data.length > 0 || terminated.length > 0;
    if (packed && raw.length > 0)
      throw new BadLogBatch(`${where} has both lines and packed lines; send one or the other`);
    const lines = packed
      ? packedColumns(
          terminated.length > 0 ? terminated : data,
          s.packedMeta ?? EMPTY,
          terminated.length > 0,
          exactUint(s.firstSeq, () => `${where} first_seq`),
          where,
          total,
        )
      : messageLines(raw, where);
    total += lines.heads.length;
    return { step, stepIndex, lines, eof: s.eof ?? false };
  });
  return { pipelineRun: msg.pipelineRun, taskRun: msg.taskRun, steps };
}

const EMPTY = new Uint8Array(0);

/** Lines sent a message each (`lines`). */
function messageLines(raw: ILogLine[], where: string): LineColumns {
  let prevSeq = -1;
  const lines = raw.map((l, j) => {
    const seq = exactUint(l.seq, () => `${where} seq`);
    if (j > 0 && seq !== prevSeq + 1) {
      throw new BadLogBatch(`${where}: seq ${seq} follows ${prevSeq}; lines must be contiguous`);
    }
    prevSeq = seq;
    const stream = l.stream ?? Stream.STDOUT;
    if (stream !== Stream.STDOUT && stream !== Stream.STDERR) {
      throw new BadLogBatch(`${where} seq ${seq}: unknown stream ${stream}`);
    }
    return {
      stream: stream === Stream.STDERR ? ('stderr' as const) : ('stdout' as const),
      timeMs: exactUint(l.timeMs, () => `${where} seq ${seq}: time_ms`),
      text: storableText(l.data ?? EMPTY),
    };
  });
  return lineColumns(raw.length ? exactUint(raw[0].seq, () => `${where} seq`) : 0, lines);
}

/**
 * Lines sent packed (first_seq, packed_lines or packed_data, packed_meta), straight into columns.
 * ASCII bytes (most output) in packed_lines are already the store's text, lines joined by
 * newlines: a view of the request's bytes for the whole step, with no copy, object or string.
 */
function packedColumns(
  data: Uint8Array,
  meta: Uint8Array,
  terminated: boolean,
  firstSeq: number,
  where: string,
  before: number,
): LineColumns {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let table: PackedTable;
  try {
    table = unpackTable(bytes, meta, BATCH_LIMITS.maxLines - before, terminated);
  } catch (err) {
    if (!(err instanceof PackedLinesError)) throw err;
    const status = err.message.startsWith('more than') ? 413 : 400;
    throw new BadLogBatch(`${where}: ${err.message}${status === 413 ? ' in one batch; split it' : ''}`, status);
  }
  const { count, heads, times, starts, metaEnds } = table;
  if (!Number.isSafeInteger(firstSeq + count))
    throw new BadLogBatch(`${where}: seq ${firstSeq + count} is over ${Number.MAX_SAFE_INTEGER}`);
  let text: ChunkText;
  const ascii = isAscii(bytes);
  if (!ascii) {
    // UTF-8: each line decoded on its own (a character cut at a piece's end is its own U+FFFD), its
    // length counted again in UTF-16 units.
    const texts = new Array<string>(count);
    for (let k = 0; k < count; k++) {
      texts[k] = storableText(bytes.subarray(starts[k], starts[k] + Math.floor(heads[k] / 2)));
      heads[k] = texts[k].length * 2 + (heads[k] % 2);
    }
    text = texts.join('\n');
  } else if (terminated) {
    const joined = bytes.subarray(0, Math.max(0, bytes.length - 1));
    // Without NUL (which the store replaces) the bytes are the text as they are: no string made.
    text = joined.indexOf(0) === -1 ? joined : withoutNul(joined.toString('latin1'));
  } else {
    const all = withoutNul(bytes.toString('latin1'));
    const texts = new Array<string>(count);
    for (let k = 0; k < count; k++) texts[k] = all.slice(starts[k], starts[k] + Math.floor(heads[k] / 2));
    text = texts.join('\n');
  }
  // UTF-8 text changed the heads (lengths in UTF-16 units): the wire's table no longer says them.
  return { firstSeq, heads, times, text, ...(ascii && { wireMeta: { bytes: meta, ends: metaEnds } }) };
}

function checkName(field: string, value: string | null | undefined): asserts value is string {
  if (!value) throw new BadLogBatch(`${field} is empty; every batch names its run, task run and steps`);
  if (value.includes('\u0000')) throw new BadLogBatch(`${field} contains a NUL character`);
  if (value.length > BATCH_LIMITS.maxName)
    throw new BadLogBatch(`${field} is longer than ${BATCH_LIMITS.maxName} characters`);
}

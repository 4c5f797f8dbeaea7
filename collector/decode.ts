// Decodes and checks a POST /v1/logs body. Pure: bytes in, an IngestInput or a BadLogBatch out.
import { isAscii } from 'node:buffer';
import { LogBatch, PackedLinesError, Stream, unpackLines, type ILogLine } from '../contract/log-wire/index.js';
import { BadLogBatch } from './errors.js';
import { storableText, type IngestInput, type StepLinesInput } from './store/types.js';

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
  const steps = msg.steps.map((s, i) => {
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
    const packed = (s.packedMeta?.length ?? 0) > 0 || (s.packedData?.length ?? 0) > 0;
    if (packed && raw.length > 0)
      throw new BadLogBatch(`steps[${i}] (${step}) has both lines and packed lines; send one or the other`);
    const where = `steps[${i}] (${step})`;
    const lines = packed
      ? packedLines(
          s.packedData!,
          s.packedMeta!,
          exactUint(s.firstSeq, () => `${where} first_seq`),
          where,
          total,
        )
      : messageLines(raw, where);
    total += lines.length;
    return { step, stepIndex, lines, eof: s.eof ?? false };
  });
  return { pipelineRun: msg.pipelineRun, taskRun: msg.taskRun, steps };
}

type Line = StepLinesInput['lines'][number];

/** Lines sent a message each (`lines`). */
function messageLines(raw: ILogLine[], where: string): Line[] {
  let prevSeq = -1;
  return raw.map((l, j) => {
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
      seq,
      stream: stream === Stream.STDERR ? 'stderr' : 'stdout',
      timeMs: exactUint(l.timeMs, () => `${where} seq ${seq}: time_ms`),
      text: storableText(l.data ?? new Uint8Array(0)),
    };
  });
}

/**
 * Lines sent packed (first_seq, packed_data, packed_meta). ASCII bytes (most output) become one
 * string, each line a slice of it, rather than a UTF-8 decode per line.
 */
function packedLines(data: Uint8Array, meta: Uint8Array, firstSeq: number, where: string, before: number): Line[] {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const ascii = isAscii(bytes) ? storableText(bytes) : null;
  const lines: Line[] = [];
  try {
    unpackLines(bytes, meta, BATCH_LIMITS.maxLines - before, (l) =>
      lines.push({
        seq: firstSeq + lines.length,
        stream: l.stderr ? 'stderr' : 'stdout',
        timeMs: l.timeMs,
        text: ascii === null ? storableText(bytes.subarray(l.start, l.end)) : ascii.slice(l.start, l.end),
      }),
    );
  } catch (err) {
    if (!(err instanceof PackedLinesError)) throw err;
    const status = err.message.startsWith('more than') ? 413 : 400;
    throw new BadLogBatch(`${where}: ${err.message}${status === 413 ? ' in one batch; split it' : ''}`, status);
  }
  if (!Number.isSafeInteger(firstSeq + lines.length))
    throw new BadLogBatch(`${where}: seq ${firstSeq + lines.length} is over ${Number.MAX_SAFE_INTEGER}`);
  return lines;
}

function checkName(field: string, value: string | null | undefined): asserts value is string {
  if (!value) throw new BadLogBatch(`${field} is empty; every batch names its run, task run and steps`);
  if (value.includes('\u0000')) throw new BadLogBatch(`${field} contains a NUL character`);
  if (value.length > BATCH_LIMITS.maxName)
    throw new BadLogBatch(`${field} is longer than ${BATCH_LIMITS.maxName} characters`);
}

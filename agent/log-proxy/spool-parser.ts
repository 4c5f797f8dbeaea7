// Incremental spool parsing (record format in contract/pod-layout.ts). Pure: bytes read at a known
// offset in, whole records out, packed for the wire; a record cut off by the end of the bytes is
// left for the next read.
import { open } from 'node:fs/promises';
import { KilnError, parseSpoolHeader, SPOOL_MAX_RECORD } from '../../contract/index.js';
import { PackedLinesWriter, type PackedLines } from '../../contract/log-wire/index.js';

/** Longest header: `o <16 digits> <9 digits>`. */
export const MAX_SPOOL_HEADER = 1 + 1 + 16 + 1 + 9;

/** Whole records of a read, packed for the wire (contract/log-wire/packed.ts). */
export interface PackedChunk extends PackedLines {
  /** Records packed. */
  count: number;
  /** Bytes of whole records at the start of the chunk. */
  consumed: number;
}

export class SpoolCorruptError extends KilnError {
  readonly code = 'spool-corrupt';
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`spool ${file} is corrupt at byte ${offset}: ${detail}`);
  }
}

/** The shortest record: `o 0 0\n` and the payload's newline. */
const MIN_RECORD = 7;

/**
 * Packs the records in `chunk`, which was read at byte `offset` of `file`, straight from its bytes
 * into packed_lines and packed_meta: no object per record. Stops at maxRecords or at an incomplete
 * record.
 */
export function packSpoolChunk(chunk: Buffer, file: string, offset: number, maxRecords = Infinity): PackedChunk {
  const writer = new PackedLinesWriter(chunk.length, Math.min(maxRecords, Math.floor(chunk.length / MIN_RECORD)));
  const consumed = scanSpool(chunk, file, offset, maxRecords, (stderr, timeMs, start, end) =>
    writer.add(stderr, timeMs, chunk, start, end),
  );
  return { ...writer.finish(), count: writer.count, consumed };
}

/**
 * Walks the whole records in `chunk` (at most maxRecords), calling `record` with each one's
 * stream, time and payload range; answers the bytes they take.
 */
function scanSpool(
  chunk: Buffer,
  file: string,
  offset: number,
  maxRecords: number,
  record: (stderr: boolean, timeMs: number, start: number, end: number) => void,
): number {
  let pos = 0;
  for (let n = 0; pos < chunk.length && n < maxRecords; n++) {
    const nl = headerEnd(chunk, pos);
    if (nl === -1) {
      if (chunk.length - pos > MAX_SPOOL_HEADER)
        throw new SpoolCorruptError(file, offset + pos, 'a header longer than any valid one');
      break;
    }
    if (!parseHeaderBytes(chunk, pos, nl)) {
      const text = chunk.toString('latin1', pos, Math.min(nl, pos + 40));
      throw new SpoolCorruptError(file, offset + pos, `not a record header: ${JSON.stringify(text)}`);
    }
    const start = nl + 1;
    const end = start + header.length;
    if (end >= chunk.length) break; // the payload or its newline is not here yet
    if (chunk[end] !== 0x0a) throw new SpoolCorruptError(file, offset + end, 'a record is not followed by a newline');
    record(header.stderr, header.timeMs, start, end);
    pos = end + 1;
  }
  return pos;
}

/** The newline ending the header at `pos`, looked for only as far as the longest header reaches; -1 if not there. */
function headerEnd(b: Buffer, pos: number): number {
  const to = Math.min(b.length, pos + MAX_SPOOL_HEADER + 1);
  for (let at = pos; at < to; at++) if (b[at] === 0x0a) return at;
  return -1;
}

const DIGIT_0 = 0x30;
const SPACE = 0x20;

/** The last header parseHeaderBytes read: one object, reused, rather than one per line. */
const header = { stderr: false, timeMs: 0, length: 0 };

/**
 * parseSpoolHeader (contract/pod-layout.ts) on the bytes [from, to) without making a string of
 * them, into `header`: the same rules, at a fraction of the cost, once per line shipped.
 */
function parseHeaderBytes(b: Buffer, from: number, to: number): boolean {
  const stream = b[from];
  if ((stream !== 0x6f && stream !== 0x65) || b[from + 1] !== SPACE) return false;
  const timeEnd = digitsEnd(b, from + 2, to, 16);
  if (timeEnd < 0 || b[timeEnd] !== SPACE) return false;
  const lengthEnd = digitsEnd(b, timeEnd + 1, to, 9);
  if (lengthEnd !== to) return false;
  const timeMs = decimal(b, from + 2, timeEnd);
  if (timeMs > Number.MAX_SAFE_INTEGER) {
    // Past 2^53 digit by digit may round otherwise than Number() of the text: let the reference decide.
    const parsed = parseSpoolHeader(b.toString('latin1', from, to));
    if (!parsed) return false;
    header.timeMs = parsed.timeMs;
  } else header.timeMs = timeMs;
  const length = decimal(b, timeEnd + 1, to);
  if (length > SPOOL_MAX_RECORD) return false;
  header.stderr = stream === 0x65;
  header.length = length;
  return true;
}

/** Where the run of 1…maxDigits digits at `at` ends (before `to`), or -1 when there is none or it is longer. */
function digitsEnd(b: Buffer, at: number, to: number, maxDigits: number): number {
  const start = at;
  for (; at < to && b[at] !== SPACE; at++) {
    const d = b[at] - DIGIT_0;
    if (d < 0 || d > 9) return -1;
  }
  return at === start || at - start > maxDigits ? -1 : at;
}

function decimal(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let at = from; at < to; at++) n = n * 10 + (b[at] - DIGIT_0);
  return n;
}

/** How many whole records a spool file holds from byte `offset` on (0 when it does not exist). */
export async function countSpoolRecords(file: string, offset: number): Promise<number> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.allocUnsafe(SPOOL_MAX_RECORD + MAX_SPOOL_HEADER + 2);
    let count = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      let records = 0;
      const consumed = scanSpool(buf.subarray(0, bytesRead), file, offset, Infinity, () => records++);
      count += records;
      if (consumed === 0) return count;
      offset += consumed;
    }
  } finally {
    await fh.close();
  }
}

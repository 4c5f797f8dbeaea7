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
  let pos = 0;
  while (pos < chunk.length && writer.count < maxRecords) {
    const nl = readHeader(chunk, pos);
    if (nl === INCOMPLETE) break;
    if (nl === INVALID) {
      const text = chunk.toString('latin1', pos, Math.min(chunk.length, pos + 40));
      throw new SpoolCorruptError(file, offset + pos, `not a record header: ${JSON.stringify(text)}`);
    }
    const start = nl + 1;
    const end = start + header.length;
    if (end >= chunk.length) break; // the payload or its newline is not here yet
    if (chunk[end] !== NEWLINE)
      throw new SpoolCorruptError(file, offset + end, 'a record is not followed by a newline');
    writer.add(header.stderr, header.timeMs, chunk, start, end);
    pos = end + 1;
  }
  return { ...writer.finish(), count: writer.count, consumed: pos };
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const INCOMPLETE = -1;
const INVALID = -2;

/** The last header readHeader read: one object, reused, rather than one per line. */
const header = { stderr: false, timeMs: 0, length: 0 };

/**
 * Reads the record header at `pos` into `header` in one pass over its bytes, by
 * parseSpoolHeader's rules (contract/pod-layout.ts) without making a string of them: answers where
 * its newline is, INCOMPLETE when the bytes end inside a valid start of one, INVALID otherwise.
 */
function readHeader(b: Buffer, pos: number): number {
  const n = b.length;
  const stream = b[pos];
  if (stream !== 0x6f && stream !== 0x65) return INVALID;
  if (pos + 1 >= n) return INCOMPLETE;
  if (b[pos + 1] !== SPACE) return INVALID;
  let at = pos + 2;
  let time = 0;
  for (; ; at++) {
    if (at >= n) return INCOMPLETE;
    const d = b[at] - DIGIT_0;
    if (d < 0 || d > 9) break;
    if (at - pos - 2 === 16) return INVALID;
    time = time * 10 + d;
  }
  if (at === pos + 2 || b[at] !== SPACE) return INVALID;
  const lengthAt = ++at;
  let length = 0;
  for (; ; at++) {
    if (at >= n) return INCOMPLETE;
    const d = b[at] - DIGIT_0;
    if (d < 0 || d > 9) break;
    if (at - lengthAt === 9) return INVALID;
    length = length * 10 + d;
  }
  if (at === lengthAt || b[at] !== NEWLINE || length > SPOOL_MAX_RECORD) return INVALID;
  if (time > Number.MAX_SAFE_INTEGER) {
    // Past 2^53 digit by digit may round otherwise than Number() of the text: let the reference decide.
    const parsed = parseSpoolHeader(b.toString('latin1', pos, at));
    if (!parsed) return INVALID;
    time = parsed.timeMs;
  }
  header.stderr = stream === 0x65;
  header.timeMs = time;
  header.length = length;
  return at;
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
      const { count: records, consumed } = packSpoolChunk(buf.subarray(0, bytesRead), file, offset);
      count += records;
      if (consumed === 0) return count;
      offset += consumed;
    }
  } finally {
    await fh.close();
  }
}

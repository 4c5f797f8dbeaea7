// Incremental spool parsing (record format in contract/pod-layout.ts). Pure: bytes read at a known
// offset in, the lines of whole records out, packed for the wire; a record cut off by the end of
// the bytes is left for the next read. A record's payload is already lines each followed by a
// newline, which is packed_lines' form: it is copied whole, and only its newlines are looked for.
import { open } from 'node:fs/promises';
// The contract room, not contract/log-wire/, which loads protobufjs: the proxy frames its batches by hand.
import {
  isSpoolV1Header,
  KilnError,
  PackedLinesWriter,
  parseSpoolHeader,
  SPOOL_MAX_RECORD,
  type PackedLines,
} from '../../contract/index.js';

/** Longest header: `O <16 digits> <9 digits>`. */
export const MAX_SPOOL_HEADER = 1 + 1 + 16 + 1 + 9;

/** The lines of whole records of a read, packed for the wire (contract/log-packed.ts). */
export interface PackedChunk extends PackedLines {
  /** Lines packed. */
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

/** Lines a read of 100-byte lines holds, to size the table (it grows past that). */
const TYPICAL_LINE = 100;

/**
 * Packs the lines of the records in `chunk`, which was read at byte `offset` of `file`, straight
 * from its bytes into packed_lines and packed_meta (in memory from `alloc`, when given): no
 * object per line or record. Stops at an
 * incomplete record, and before a record that would take the lines past maxLines (the first
 * record is taken whatever its lines: a position is always at a record's start).
 */
export function packSpoolChunk(
  chunk: Buffer,
  file: string,
  offset: number,
  maxLines = Infinity,
  alloc?: (bytes: number) => Buffer,
): PackedChunk {
  const writer = new PackedLinesWriter(chunk.length, Math.min(maxLines, Math.ceil(chunk.length / TYPICAL_LINE)), alloc);
  let pos = 0;
  while (pos < chunk.length) {
    const nl = readHeader(chunk, pos);
    if (nl === INCOMPLETE) break;
    if (nl === INVALID) {
      const text = chunk.toString('latin1', pos, Math.min(chunk.length, pos + 40));
      throw new SpoolCorruptError(
        file,
        offset + pos,
        isSpoolV1Header(text.split('\n')[0])
          ? `${JSON.stringify(text)} is a version 1 record (a record per line, from an older kiln-agent); this one reads version 2: ship the spool with the kiln-agent that wrote it`
          : `not a record header: ${JSON.stringify(text)}`,
      );
    }
    const start = nl + 1;
    const end = start + header.length;
    if (end > chunk.length) break; // the payload is not all here yet
    if (chunk[end - 1] !== NEWLINE)
      throw new SpoolCorruptError(file, offset + end - 1, 'a record does not end with a newline');
    // Packed, then taken back when it passes maxLines: its lines are found once, not counted first.
    const before = writer.mark();
    writer.addLines(header.stderr, header.timeMs, chunk, start, end);
    if (before.count > 0 && writer.count > maxLines) {
      writer.rewind(before);
      break;
    }
    pos = end;
  }
  return { ...writer.finish(), count: writer.count, consumed: pos };
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const INCOMPLETE = -1;
const INVALID = -2;

/** The last header readHeader read: one object, reused, rather than one per record. */
const header = { stderr: false, timeMs: 0, length: 0 };

/**
 * Reads the record header at `pos` into `header` in one pass over its bytes, by
 * parseSpoolHeader's rules (contract/pod-layout.ts) without making a string of them: answers where
 * its newline is, INCOMPLETE when the bytes end inside a valid start of one, INVALID otherwise.
 */
function readHeader(b: Buffer, pos: number): number {
  const n = b.length;
  const stream = b[pos];
  if (stream !== 0x4f && stream !== 0x45) return INVALID;
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
  if (at === lengthAt || b[at] !== NEWLINE || length < 1 || length > SPOOL_MAX_RECORD + 1) return INVALID;
  if (time > Number.MAX_SAFE_INTEGER) {
    // Past 2^53 digit by digit may round otherwise than Number() of the text: let the reference decide.
    const parsed = parseSpoolHeader(b.toString('latin1', pos, at));
    if (!parsed) return INVALID;
    time = parsed.timeMs;
  }
  header.stderr = stream === 0x45;
  header.timeMs = time;
  header.length = length;
  return at;
}

/** How many lines whole records of a spool file hold from byte `offset` on (0 when it does not exist). */
export async function countSpoolLines(file: string, offset: number): Promise<number> {
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
      const { count: lines, consumed } = packSpoolChunk(buf.subarray(0, bytesRead), file, offset);
      count += lines;
      if (consumed === 0) return count;
      offset += consumed;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Memory for the packed lines of one batch, used again for a later batch once this one is
 * answered: a fresh 4 MiB per batch was memory the kernel faulted in and zeroed each time (64 MB
 * through fresh buffers 35–65 ms, through one reused 1–16 ms, at load ≈ 10). Past its size (a
 * table that grew, lines shorter than typical) it hands out fresh buffers.
 */
export class PackArena {
  private readonly memory: Buffer;
  private used = 0;

  constructor(bytes: number) {
    this.memory = Buffer.allocUnsafeSlow(bytes);
  }

  readonly take = (bytes: number): Buffer => {
    if (this.used + bytes > this.memory.length) return Buffer.allocUnsafe(bytes);
    const part = this.memory.subarray(this.used, this.used + bytes);
    this.used += bytes;
    return part;
  };

  /** Everything taken is free again: the batch that used it has been answered. */
  reset(): void {
    this.used = 0;
  }
}

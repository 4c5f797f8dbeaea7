// StepLogs' packed lines (kiln.proto: first_seq, packed_lines or packed_data, packed_meta): a
// step's lines as two byte strings. A message per line made the log proxy's encoding and the
// collector's decoding cost an object, a Buffer view and several protobuf writer operations per
// line; 64 MB of 100-byte lines spent more time in them and their garbage than in storing the
// lines. Both directions work on columns and byte ranges, never an object per line. Pure: no I/O.
import { MAX_VARINT, putVarint, unzigzag, VarintReader, zigzag } from './varint.js';

/** What a packed line carries. */
export interface PackableLine {
  stream: 'o' | 'e';
  timeMs: number;
  data: Uint8Array;
}

/** packed_lines (each line followed by a newline) and packed_meta. */
export interface PackedLines {
  packedLines: Buffer;
  packedMeta: Buffer;
}

const NEWLINE = 0x0a;

/** A PackedLinesWriter's state, to take back lines added after it. */
export interface PackedLinesMark {
  readonly dataLength: number;
  readonly metaLength: number;
  readonly prevTime: number;
  readonly count: number;
}

/** Writes packed_lines and packed_meta into buffers: the bytes sized up front, the table grown as lines come. */
export class PackedLinesWriter {
  private readonly data: Buffer;
  private meta: Buffer;
  private dataLength = 0;
  private metaLength = 0;
  private prevTime = 0;
  count = 0;

  /**
   * Room for lines of at most `dataBytes` bytes in all (newlines included), about `lines` lines;
   * `alloc` gives the memory (the log proxy's reuses it batch after batch).
   */
  constructor(
    dataBytes: number,
    lines: number,
    private readonly alloc: (bytes: number) => Buffer = Buffer.allocUnsafe,
  ) {
    this.data = alloc(dataBytes);
    this.meta = alloc(Math.max(lines, 16) * 2 * MAX_VARINT);
  }

  /** Appends the bytes src[from, to) as a line. */
  add(stderr: boolean, timeMs: number, src: Uint8Array, from: number, to: number): void {
    // A plain view, not Buffer#subarray (whose FastBuffer costs more than copying a short line).
    this.data.set(new Uint8Array(src.buffer, src.byteOffset + from, to - from), this.dataLength);
    this.dataLength += to - from;
    this.data[this.dataLength++] = NEWLINE;
    this.addEntry(stderr, timeMs, to - from);
  }

  /**
   * Appends the lines of src[from, to), each followed by a newline there (so to - 1 is one), all
   * with the same stream and time: their bytes are copied in one go, as packed_lines holds them.
   */
  addLines(stderr: boolean, timeMs: number, src: Buffer, from: number, to: number): void {
    this.data.set(new Uint8Array(src.buffer, src.byteOffset + from, to - from), this.dataLength);
    this.dataLength += to - from;
    for (let at = from; at < to;) {
      const newline = src.indexOf(NEWLINE, at);
      this.addEntry(stderr, timeMs, newline - at);
      at = newline + 1;
    }
  }

  private addEntry(stderr: boolean, timeMs: number, length: number): void {
    if (this.metaLength + 2 * MAX_VARINT > this.meta.length) {
      const grown = this.alloc(this.meta.length * 2);
      this.meta.copy(grown, 0, 0, this.metaLength);
      this.meta = grown;
    }
    let at = putVarint(this.meta, this.metaLength, length * 2 + (stderr ? 1 : 0));
    at = putVarint(this.meta, at, zigzag(timeMs - this.prevTime));
    this.metaLength = at;
    this.prevTime = timeMs;
    this.count++;
  }

  /** Where the writer stands, for rewind(). */
  mark(): PackedLinesMark {
    return { dataLength: this.dataLength, metaLength: this.metaLength, prevTime: this.prevTime, count: this.count };
  }

  /** Takes back every line added since `mark` was taken. */
  rewind(mark: PackedLinesMark): void {
    ({ dataLength: this.dataLength, metaLength: this.metaLength, prevTime: this.prevTime, count: this.count } = mark);
  }

  finish(): PackedLines {
    return { packedLines: this.data.subarray(0, this.dataLength), packedMeta: this.meta.subarray(0, this.metaLength) };
  }
}

export function packLines(lines: readonly PackableLine[]): PackedLines {
  let bytes = 0;
  for (const l of lines) bytes += l.data.length + 1;
  const writer = new PackedLinesWriter(bytes, lines.length);
  for (const l of lines) writer.add(l.stream === 'e', l.timeMs, l.data, 0, l.data.length);
  return writer.finish();
}

/** A step's packed lines read back as columns: line k's bytes are data[starts[k], starts[k] + heads[k] >> 1). */
export interface PackedTable {
  count: number;
  /** Per line: its length in bytes × 2, plus 1 when it is stderr (packed_meta's first varint). */
  heads: Uint32Array;
  times: Float64Array;
  starts: Uint32Array;
  /** Per line: where its entry ends in packed_meta, so the entries of lines i+1…j are meta[metaEnds[i], metaEnds[j]). */
  metaEnds: Uint32Array;
}

/** Packed lines that do not add up; the message says how. */
export class PackedLinesError extends Error {}

/**
 * Reads packed_meta against its bytes: packed_lines (`terminated`: a newline after each line) or
 * packed_data. At most maxLines (past that: PackedLinesError). Checks that the table and the
 * bytes agree exactly.
 */
export function unpackTable(data: Uint8Array, meta: Uint8Array, maxLines: number, terminated: boolean): PackedTable {
  const room = Math.min(Math.floor(meta.length / 2), maxLines);
  const heads = new Uint32Array(room);
  const times = new Float64Array(room);
  const starts = new Uint32Array(room);
  const metaEnds = new Uint32Array(room);
  const gap = terminated ? 1 : 0;
  let pos = 0;
  let time = 0;
  let count = 0;
  const table = new VarintReader(meta, (fault) => {
    throw new PackedLinesError(
      fault === 'ends'
        ? `packed_meta ends inside line ${count}'s entry`
        : `line ${count}: a varint longer than 8 bytes`,
    );
  });
  const bytes = terminated ? 'packed_lines' : 'packed_data';
  const end = meta.length;
  // One- and two-byte varints (a line's length under 8 KiB, the same or a near time) are read in
  // the loop, the rest by the reader; a time check only when the time moves: 28.5 → 20.3 ms per
  // 64 MB of 100-byte lines (medians of 8, a micro-bench not kept). The same fast path inside
  // VarintReader.next measured no gain, so it stays here.
  const varint = (): number => {
    const at = table.at;
    const b = meta[at]!;
    if (b < 0x80 && at < end) {
      table.at = at + 1;
      return b;
    }
    const c = meta[at + 1]!;
    if (c < 0x80 && at + 1 < end) {
      table.at = at + 2;
      return (b & 0x7f) + c * 0x80;
    }
    return table.next();
  };
  while (table.at < end) {
    if (count === maxLines) throw new PackedLinesError(`more than ${maxLines} lines`);
    const head = varint();
    const delta = varint();
    if (delta !== 0) {
      time += unzigzag(delta);
      if (!Number.isSafeInteger(time) || time < 0)
        throw new PackedLinesError(`line ${count}: time_ms ${time} is not an integer in 0…${Number.MAX_SAFE_INTEGER}`);
    }
    const lineEnd = pos + Math.floor(head / 2);
    if (lineEnd + gap > data.length)
      throw new PackedLinesError(`line ${count} runs past the ${data.length} bytes of ${bytes}`);
    if (terminated && data[lineEnd] !== NEWLINE)
      throw new PackedLinesError(`line ${count} is not followed by a newline in packed_lines`);
    heads[count] = head;
    times[count] = time;
    starts[count] = pos;
    metaEnds[count] = table.at;
    pos = lineEnd + gap;
    count++;
  }
  if (pos !== data.length) throw new PackedLinesError(`${bytes} has ${data.length - pos} bytes past its last line`);
  return {
    count,
    heads: heads.subarray(0, count),
    times: times.subarray(0, count),
    starts: starts.subarray(0, count),
    metaEnds: metaEnds.subarray(0, count),
  };
}

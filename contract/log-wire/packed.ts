// StepLogs' packed lines (kiln.proto: first_seq, packed_data, packed_meta): a step's lines as two
// byte strings. A message per line made the log proxy's encoding and the collector's decoding cost
// an object, a Buffer view and several protobuf writer operations per line; 64 MB of 100-byte
// lines spent more time in them and their garbage than in storing the lines. Pure: no I/O.

/** What a packed line carries (a spool record has this shape). */
export interface PackableLine {
  stream: 'o' | 'e';
  timeMs: number;
  data: Uint8Array;
}

export interface PackedLines {
  packedData: Buffer;
  packedMeta: Buffer;
}

/** The longest varint a safe integer (or its zigzag, ≤ 2^54) needs. */
const MAX_VARINT = 8;

/** Unsigned LEB128 by arithmetic, not bit operators: times are past 2^32. */
function putVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

export function packLines(lines: readonly PackableLine[]): PackedLines {
  let bytes = 0;
  for (const l of lines) bytes += l.data.length;
  const packedData = Buffer.allocUnsafe(bytes);
  const meta = Buffer.allocUnsafe(lines.length * 2 * MAX_VARINT);
  let at = 0;
  let pos = 0;
  let prevTime = 0;
  for (const l of lines) {
    packedData.set(l.data, pos);
    pos += l.data.length;
    at = putVarint(meta, at, l.data.length * 2 + (l.stream === 'e' ? 1 : 0));
    const delta = l.timeMs - prevTime;
    at = putVarint(meta, at, delta >= 0 ? delta * 2 : -delta * 2 - 1);
    prevTime = l.timeMs;
  }
  return { packedData, packedMeta: meta.subarray(0, at) };
}

export interface UnpackedLine {
  stderr: boolean;
  timeMs: number;
  /** Where the line's bytes are in packedData. */
  start: number;
  end: number;
}

/** Packed lines that do not add up; the message says how. */
export class PackedLinesError extends Error {}

/**
 * Calls `line` for each packed line in order; at most maxLines (past that: PackedLinesError, the
 * lines seen so far already handed over). Checks that the table and the bytes agree exactly.
 */
export function unpackLines(
  packedData: Uint8Array,
  packedMeta: Uint8Array,
  maxLines: number,
  line: (l: UnpackedLine) => void,
): number {
  let at = 0;
  let pos = 0;
  let time = 0;
  let count = 0;
  const varint = () => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= packedMeta.length) throw new PackedLinesError(`packed_meta ends inside line ${count}'s entry`);
      const b = packedMeta[at++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new PackedLinesError(`line ${count}: a varint longer than 8 bytes`);
    }
  };
  while (at < packedMeta.length) {
    if (count === maxLines) throw new PackedLinesError(`more than ${maxLines} lines`);
    const head = varint();
    const z = varint();
    time += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (!Number.isSafeInteger(time) || time < 0)
      throw new PackedLinesError(`line ${count}: time_ms ${time} is not an integer in 0…${Number.MAX_SAFE_INTEGER}`);
    const length = Math.floor(head / 2);
    if (pos + length > packedData.length)
      throw new PackedLinesError(`line ${count} runs past the ${packedData.length} bytes of packed_data`);
    line({ stderr: head % 2 === 1, timeMs: time, start: pos, end: pos + length });
    pos += length;
    count++;
  }
  if (pos !== packedData.length)
    throw new PackedLinesError(`packed_data has ${packedData.length - pos} bytes past its last line`);
  return count;
}

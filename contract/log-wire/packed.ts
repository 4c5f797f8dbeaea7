// StepLogs' packed lines (kiln.proto: first_seq, packed_data, packed_meta): a step's lines as two
// byte strings. A message per line made the log proxy's encoding and the collector's decoding cost
// an object, a Buffer view and several protobuf writer operations per line; 64 MB of 100-byte
// lines spent more time in them and their garbage than in storing the lines. Pure: no I/O.
import { MAX_VARINT, putVarint, unzigzag, VarintReader, zigzag } from '../index.js';

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
    at = putVarint(meta, at, zigzag(l.timeMs - prevTime));
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
  let pos = 0;
  let time = 0;
  let count = 0;
  const meta = new VarintReader(packedMeta, (fault) => {
    throw new PackedLinesError(
      fault === 'ends'
        ? `packed_meta ends inside line ${count}'s entry`
        : `line ${count}: a varint longer than 8 bytes`,
    );
  });
  while (!meta.done) {
    if (count === maxLines) throw new PackedLinesError(`more than ${maxLines} lines`);
    const head = meta.next();
    time += unzigzag(meta.next());
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

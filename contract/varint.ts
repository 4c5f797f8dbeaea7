// The varints of Kiln's packed line tables (the log wire's packed_meta, the store's chunk meta):
// unsigned LEB128 by arithmetic, since times pass 2^32 and bit operators stop at 32 bits, and
// zigzag for the signed time deltas. One definition, so the two tables cannot drift apart.

/** The longest varint a safe integer (or its zigzag, ≤ 2^54) needs. */
export const MAX_VARINT = 8;

export function putVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

export const zigzag = (d: number) => (d >= 0 ? d * 2 : -d * 2 - 1);
export const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Why a varint could not be read: the bytes ended inside it, or it is longer than any written. */
export type VarintFault = 'ends' | 'too long';

/** Reads varints in order; `fail` throws the caller's own error for a damaged table. */
export class VarintReader {
  at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (fault: VarintFault) => never,
  ) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  next(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.bytes.length) this.fail('ends');
      const b = this.bytes[this.at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) this.fail('too long');
    }
  }
}

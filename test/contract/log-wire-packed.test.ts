// StepLogs' packed lines: what packLines writes, unpackTable reads back exactly (packed_lines, and
// packed_data: the same without newlines); tables and bytes that do not add up are refused with
// what is wrong.
import { describe, expect, it } from 'vitest';
import { packLines, PackedLinesError, unpackTable, type PackableLine } from '../../contract/log-wire/index.js';
import { seededRandom } from '../../testkit/random.js';

function roundTrip(lines: PackableLine[], max = Infinity) {
  const { packedLines, packedMeta } = packLines(lines);
  const read = (data: Buffer, terminated: boolean) => {
    const t = unpackTable(data, packedMeta, max, terminated);
    return Array.from(t.heads, (head, k) => ({
      stream: head % 2 ? 'e' : 'o',
      timeMs: t.times[k],
      data: data.subarray(t.starts[k], t.starts[k] + Math.floor(head / 2)),
    }));
  };
  const out = read(packedLines, true);
  expect(read(Buffer.concat(lines.map((l) => l.data)), false)).toEqual(out);
  return { n: out.length, out };
}

describe('packed log lines', () => {
  it('round-trips streams, empty lines, times that go back, and times past 2^32', () => {
    const lines: PackableLine[] = [
      { stream: 'o', timeMs: 1_764_000_000_000, data: Buffer.from('first') },
      { stream: 'e', timeMs: 1_764_000_000_000, data: Buffer.alloc(0) },
      { stream: 'o', timeMs: 1_763_999_999_000, data: Buffer.from('the clock stepped back: ünïcode') },
      { stream: 'e', timeMs: 0, data: Buffer.from([0, 0xff, 0x0a]) },
      { stream: 'o', timeMs: Number.MAX_SAFE_INTEGER - 1, data: Buffer.alloc(70_000, 0x61) },
    ];
    const { n, out } = roundTrip(lines);
    expect(n).toBe(lines.length);
    expect(out).toEqual(lines);
  });

  it('round-trips random lines', () => {
    const rnd = seededRandom(12);
    const lines = Array.from({ length: 300 }, (_, i): PackableLine => ({
      stream: rnd() < 0.3 ? 'e' : 'o',
      timeMs: 1_700_000_000_000 + Math.floor(rnd() * 1e6) - (i % 7 === 0 ? 5000 : 0),
      data: Buffer.from(Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256))),
    }));
    expect(roundTrip(lines).out).toEqual(lines);
  });

  it('refuses a table and bytes that do not add up, and more lines than allowed', () => {
    const { packedLines, packedMeta } = packLines([
      { stream: 'o', timeMs: 5, data: Buffer.from('abc') },
      { stream: 'o', timeMs: 6, data: Buffer.from('de') },
    ]);
    const packedData = Buffer.from('abcde');
    const unpack =
      (data: Uint8Array, meta: Uint8Array, max = 10, terminated = false) =>
      () =>
        unpackTable(data, meta, max, terminated);
    expect(unpack(packedLines, packedMeta, 10, true)).not.toThrow();
    expect(unpack(packedLines.subarray(0, 6), packedMeta, 10, true)).toThrow(
      /line 1 runs past the 6 bytes of packed_lines/,
    );
    expect(unpack(Buffer.from('abcXde\n'), packedMeta, 10, true)).toThrow(/line 0 is not followed by a newline/);
    expect(unpack(packedData.subarray(0, 4), packedMeta)).toThrow(/line 1 runs past the 4 bytes of packed_data/);
    expect(unpack(Buffer.concat([packedData, Buffer.from('x')]), packedMeta)).toThrow(
      /packed_data has 1 bytes past its last line/,
    );
    expect(unpack(packedData, packedMeta.subarray(0, packedMeta.length - 1))).toThrow(
      /packed_meta ends inside line 1's entry/,
    );
    expect(unpack(packedData, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]))).toThrow(
      /longer than 8 bytes/,
    );
    // A first time delta of -1: the time would be negative.
    expect(unpack(Buffer.alloc(0), Buffer.from([0, 1]))).toThrow(/time_ms -1 is not an integer/);
    expect(unpack(packedData, packedMeta, 1)).toThrow(PackedLinesError);
    expect(unpack(packedData, packedMeta, 1)).toThrow(/more than 1 lines/);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeSpoolHeader } from '../../../contract/index.js';
import { decodeSpool } from '../spool-decode.js';
import { SpoolRecorder } from '../../../agent/entrypoint/spool-recorder.js';

function record(chunks: (string | Buffer)[], maxRecord = 8) {
  const writes: Buffer[] = [];
  const r = new SpoolRecorder(
    'o',
    (b) => writes.push(Buffer.from(b)),
    () => 1700000000000,
    maxRecord,
  );
  for (const c of chunks) r.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  r.end();
  const records = decodeSpool(Buffer.concat(writes));
  return {
    writes,
    records,
    payloads: records.map((x) => x.payload.toString()),
    recordOf: records.map((x) => x.record),
  };
}

describe('SpoolRecorder', () => {
  const cases: [string, string[], string[]][] = [
    ['lines of a chunk', ['a\nbb\n'], ['a', 'bb']],
    ['a line across chunks', ['ab', 'cd\ne', 'f\n'], ['abcd', 'ef']],
    ['empty lines are kept', ['\n\nx\n'], ['', '', 'x']],
    ['a last line without newline is flushed at the end', ['x\ny'], ['x', 'y']],
    ['a line of exactly the record size stays one record', ['12345678\n'], ['12345678']],
    ['a longer line is split, never dropped', ['1234567890abcdefXY\n'], ['12345678', '90abcdef', 'XY']],
    ['a long line split across many small chunks', ['1234', '5678', '9', '\n'], ['12345678', '9']],
    ['a long line that is exactly two records', ['1234567812345678\nz\n'], ['12345678', '12345678', 'z']],
  ];
  for (const [name, chunks, expected] of cases) {
    it(name, () => expect(record(chunks).payloads).toEqual(expected));
  }

  it('writes at most once per pushed chunk, its whole lines one record, with header fields set', () => {
    const { writes, records, recordOf } = record(['a\nb\nc\n']);
    expect(writes).toHaveLength(1);
    expect(recordOf).toEqual([0, 0, 0]);
    expect(records.every((r) => r.stream === 'o' && r.timeMs === 1700000000000)).toBe(true);
  });

  it('cuts the lines of a chunk longer than a record at a newline, and a line begun earlier on its own', () => {
    // maxRecord 8: a payload holds at most 9 bytes.
    const { payloads, recordOf } = record(['x', 'y\nab\ncd\nef\ngh\n']);
    expect(payloads).toEqual(['xy', 'ab', 'cd', 'ef', 'gh']);
    expect(recordOf).toEqual([0, 1, 1, 1, 2]);
  });

  it('writes version 2 headers: the capital stream letter, the length counting the newline', () => {
    const { writes } = record(['a\n', 'b\nc']);
    expect(Buffer.concat(writes).toString()).toBe('O 1700000000000 2\na\nO 1700000000000 2\nb\nO 1700000000000 2\nc\n');
  });

  it("writes each header as the contract's encodeSpoolHeader spells it, the time read per chunk", () => {
    const times = [0, 9, 1700000000000, 1700000000001, 99999999999999];
    const writes: Buffer[] = [];
    const r = new SpoolRecorder(
      'e',
      (b) => writes.push(Buffer.from(b)),
      () => times.shift()!,
      70_000,
    );
    const chunks = [
      '\n',
      `${'x'.repeat(9)}\n`,
      `${'y'.repeat(10)}\n${'v'.repeat(7)}\n`,
      `${'z'.repeat(129)}\n`,
      `${'w'.repeat(65_536)}\n`,
    ];
    for (const c of chunks) r.push(Buffer.from(c));
    const expected = chunks.map((c, i) =>
      Buffer.concat([
        Buffer.from(encodeSpoolHeader('e', [0, 9, 1700000000000, 1700000000001, 99999999999999][i], c.length)),
        Buffer.from(c),
      ]),
    );
    expect(Buffer.concat(writes).equals(Buffer.concat(expected))).toBe(true);
  });

  it('round-trips random bytes and random chunking (fuzz)', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 300; round++) {
      const data = Buffer.from(Array.from({ length: rand(200) }, () => (rand(5) === 0 ? 0x0a : rand(256))));
      const chunks: Buffer[] = [];
      for (let p = 0; p < data.length;) {
        const n = 1 + rand(20);
        chunks.push(data.subarray(p, p + n));
        p += n;
      }
      const max = 1 + rand(10);
      const { records } = record(chunks, max);
      expect(records.map((r) => r.payload.toString('latin1'))).toEqual(referencePieces(data.toString('latin1'), max));
    }
  });
});

/** The records a spool must hold for `text`: each line, cut into pieces of at most `max` bytes. */
function referencePieces(text: string, max: number): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.flatMap((line) => {
    if (line.length === 0) return [''];
    const pieces: string[] = [];
    for (let i = 0; i < line.length; i += max) pieces.push(line.slice(i, i + max));
    return pieces;
  });
}

// The spool parser on records of several lines (version 2) and on a version 1 spool.
import { describe, expect, it } from 'vitest';
import { encodeSpoolHeader, type SpoolStream } from '../../../contract/index.js';
import { unpackTable } from '../../../contract/log-wire/index.js';
import { packSpoolChunk, SpoolCorruptError } from '../../../agent/log-proxy/spool-parser.js';

function record(stream: SpoolStream, timeMs: number, lines: string[]): Buffer {
  const payload = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  return Buffer.concat([Buffer.from(encodeSpoolHeader(stream, timeMs, payload.length)), payload]);
}

function unpack(chunk: Buffer, maxLines?: number) {
  const packed = packSpoolChunk(chunk, 'f', 0, maxLines);
  const { heads, times, starts } = unpackTable(packed.packedLines, packed.packedMeta, Infinity, true);
  const lines = [...heads].map((h, k) => ({
    stream: h % 2 ? 'e' : 'o',
    time: times[k],
    text: packed.packedLines.toString('latin1', starts[k], starts[k] + Math.floor(h / 2)),
  }));
  return { ...packed, lines };
}

describe('packSpoolChunk', () => {
  const records = [record('o', 5, ['a', '', 'ccc']), record('e', 7, ['oops']), record('o', 9, ['x', 'y'])];
  const spool = Buffer.concat(records);
  const [first, second] = records.map((r) => r.length);

  it("gives every line of every record, with its record's stream and time", () => {
    const { lines, count, consumed } = unpack(spool);
    expect(lines).toEqual([
      { stream: 'o', time: 5, text: 'a' },
      { stream: 'o', time: 5, text: '' },
      { stream: 'o', time: 5, text: 'ccc' },
      { stream: 'e', time: 7, text: 'oops' },
      { stream: 'o', time: 9, text: 'x' },
      { stream: 'o', time: 9, text: 'y' },
    ]);
    expect([count, consumed]).toEqual([6, spool.length]);
  });

  it('stops before a record that would pass the line limit, but always takes the first', () => {
    expect(unpack(spool, 4)).toMatchObject({ count: 4, consumed: first + second });
    expect(unpack(spool, 5).count).toBe(4);
    expect(unpack(spool, 1)).toMatchObject({ count: 3, consumed: first });
  });

  it('leaves a record cut off by the end of the read for the next one', () => {
    for (let cut = first; cut < first + second; cut++)
      expect(unpack(spool.subarray(0, cut))).toMatchObject({ count: 3, consumed: first });
  });

  it('refuses a payload that does not end with a newline', () => {
    const bad = Buffer.from('O 5 3\nabc');
    expect(() => packSpoolChunk(bad, 'f', 100)).toThrow(
      /f is corrupt at byte 108: a record does not end with a newline/,
    );
  });

  it('names a version 1 spool (a record per line) rather than calling it corrupt', () => {
    const v1 = Buffer.from('o 1700000000000 5\nhello\n');
    expect(() => packSpoolChunk(v1, 'f', 0)).toThrow(SpoolCorruptError);
    expect(() => packSpoolChunk(v1, 'f', 0)).toThrow(/version 1 record .* older kiln-agent/);
  });
});

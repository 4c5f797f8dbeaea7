// The chunk codec: lines in and out unchanged (any text, times going back), slices by seq, and
// damaged bytes either decode to some lines or are refused with CorruptChunkError, never another
// error or a hang (fuzzed).
import { describe, expect, it } from 'vitest';
import {
  chunkMetaFromWire,
  CorruptChunkError,
  decodeChunk,
  encodeChunkMeta,
  lineMatcher,
} from '../../collector/store/chunk-codec.js';
import { packLines, unpackTable } from '../../contract/log-wire/index.js';
import { lineColumns, type StreamName } from '../../collector/store/types.js';
import { seededRandom } from '../../testkit/random.js';

interface ChunkLine {
  stream: StreamName;
  timeMs: number;
  text: string;
}

/** A chunk as the store writes it: the lines' columns, their table and joined text. */
function encodeChunk(lines: ChunkLine[]) {
  const c = lineColumns(0, lines);
  return { meta: encodeChunkMeta(c.heads, c.times, 0, lines.length), text: c.text };
}

const pick = (rnd: () => number, s: string) => s[Math.floor(rnd() * s.length)];

function randomLines(rnd: () => number, n: number): ChunkLine[] {
  return Array.from({ length: n }, () => ({
    stream: rnd() < 0.3 ? 'stderr' : 'stdout',
    timeMs: Math.floor(rnd() * 2 ** 45) * (rnd() < 0.05 ? 0 : 1),
    text: Array.from({ length: Math.floor(rnd() ** 3 * 300) }, () =>
      pick(rnd, 'ab\n\u00e9\u4e2d\ud83d\ude00 %_\\\t'),
    ).join(''),
  }));
}

describe('chunk codec', () => {
  it('gives back every line as it was, and any seq range of them', () => {
    const rnd = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const lines = randomLines(rnd, Math.floor(rnd() * 40) + 1);
      const { meta, text } = encodeChunk(lines);
      const first = Math.floor(rnd() * 1e9);
      const back = decodeChunk({ first_seq: first, meta, text });
      expect(back).toEqual(
        lines.map((l, i) => ({
          seq: first + i,
          stream: l.stream === 'stderr' ? 1 : 0,
          time_ms: l.timeMs,
          text: l.text,
        })),
      );
      const from = first + Math.floor(rnd() * lines.length);
      const to = from + Math.floor(rnd() * 5);
      expect(decodeChunk({ first_seq: String(first), meta, text }, from, to)).toEqual(
        back.filter((l) => Number(l.seq) >= from && Number(l.seq) < to),
      );
    }
  });

  it("cuts a chunk's table from the wire's packed_meta byte for byte as it encodes one", () => {
    const rnd = seededRandom(11);
    for (let round = 0; round < 100; round++) {
      const n = Math.floor(rnd() * 60) + 1;
      const lines = Array.from({ length: n }, () => ({
        stream: rnd() < 0.3 ? ('e' as const) : ('o' as const),
        // Times that go back as well as forth, and repeat: every delta the zigzag form has.
        timeMs: Math.floor(1.7e12 + rnd() * 5000) * (rnd() < 0.05 ? 0 : 1),
        data: Buffer.from('x'.repeat(Math.floor(rnd() ** 3 * 20000))),
      }));
      const { packedLines, packedMeta } = packLines(lines);
      const table = unpackTable(packedLines, packedMeta, Infinity, true);
      const wire = { bytes: packedMeta, ends: table.metaEnds };
      const from = Math.floor(rnd() * n);
      const to = from + 1 + Math.floor(rnd() * (n - from));
      expect(chunkMetaFromWire(wire, table.heads, table.times, from, to)).toEqual(
        encodeChunkMeta(table.heads, table.times, from, to),
      );
    }
  });

  it('refuses damaged chunks with CorruptChunkError', () => {
    const rnd = seededRandom(11);
    for (let round = 0; round < 2000; round++) {
      const { meta, text } = encodeChunk(randomLines(rnd, Math.floor(rnd() * 10) + 1));
      const bad = Buffer.from(meta);
      for (let k = 0; k < 1 + rnd() * 3; k++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.5 ? bad.subarray(0, Math.floor(rnd() * bad.length)) : bad;
      try {
        for (const l of decodeChunk({ first_seq: 0, meta: cut, text })) expect(typeof l.text).toBe('string');
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptChunkError);
      }
    }
  });

  it("matches lines as each store's LIKE folds case", () => {
    expect(lineMatcher('ERROR', 'ascii')('an error here')).toBe(true);
    expect(lineMatcher('\u00c9T\u00c9', 'ascii')('\u00e9t\u00e9')).toBe(false);
    expect(lineMatcher('\u00c9T\u00c9', 'unicode')('\u00e9t\u00e9')).toBe(true);
    expect(lineMatcher('50%_', 'unicode')('50%_ done')).toBe(true);
    expect(lineMatcher('50%_', 'unicode')('50%x done')).toBe(false);
  });
});

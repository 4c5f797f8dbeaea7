// Bounded random input into the two decoders: the spool parser and the collector's batch decode.
// Only their named errors may come out, never a crash or a silent half-result.
import { describe, expect, it } from 'vitest';
import { encodeSpoolHeader, parseSpoolHeader, unzigzag, VarintReader } from '../../../contract/index.js';
import { packSpoolChunk, SpoolCorruptError } from '../../../agent/log-proxy/spool-parser.js';
import { decodeLogBatch } from '../../../collector/decode.js';
import { BadLogBatch } from '../../../collector/errors.js';
import { LogBatch, packLines, unpackTable } from '../../../contract/log-wire/index.js';

// A seeded generator, so a failure reproduces.
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

function mutate(buf: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(buf);
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n && out.length; i++) out[Math.floor(rand() * out.length)] = Math.floor(rand() * 256);
  return rand() < 0.3 ? out.subarray(0, Math.floor(rand() * out.length)) : out;
}

describe('fuzz', () => {
  it('spool parser: random and mutated bytes give records or SpoolCorruptError', () => {
    const rand = rng(42);
    const valid = Buffer.concat(
      Array.from({ length: 20 }, (_, i) => {
        // Records of one to three lines.
        const d = Buffer.from(
          Array.from({ length: 1 + (i % 3) }, (_, j) => `line ${i}.${j} ${'z'.repeat(i * 3)}\n`).join(''),
        );
        return Buffer.concat([Buffer.from(encodeSpoolHeader(i % 2 ? 'e' : 'o', 1700000000000 + i, d.length)), d]);
      }),
    );
    let errors = 0;
    for (let k = 0; k < 3000; k++) {
      const input =
        k % 3 === 0
          ? Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)))
          : mutate(valid, rand);
      try {
        const { packedLines, packedMeta, consumed } = packSpoolChunk(input, 'f', 0);
        expect(consumed).toBeLessThanOrEqual(input.length);
        const { heads } = unpackTable(packedLines, packedMeta, Infinity, true);
        for (const h of heads) expect(h / 2).toBeLessThanOrEqual(64 * 1024);
      } catch (err) {
        expect(err).toBeInstanceOf(SpoolCorruptError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });

  it('spool parser: a header is read as parseSpoolHeader reads its text', () => {
    const rand = rng(3);
    const alphabet = 'OEoe 0123456789x';
    const valid = () =>
      encodeSpoolHeader(rand() < 0.5 ? 'o' : 'e', Math.floor(rand() * 1e13), 1 + Math.floor(rand() * 100));
    for (let k = 0; k < 5000; k++) {
      const chars = [...valid().slice(0, -1)];
      if (k % 2 === 0) chars[Math.floor(rand() * chars.length)] = alphabet[Math.floor(rand() * alphabet.length)];
      if (k % 5 === 0) chars.splice(Math.floor(rand() * chars.length), Math.floor(rand() * 3));
      if (k % 7 === 0) chars.splice(Math.floor(rand() * chars.length), 0, ...'9'.repeat(1 + Math.floor(rand() * 9)));
      const header = chars.join('');
      const expected = parseSpoolHeader(header);
      const input = Buffer.from(`${header}\n${'a'.repeat((expected?.length ?? 3) - 1)}\n`, 'latin1');
      if (!expected) {
        expect(() => packSpoolChunk(input, 'f', 0), header).toThrow(SpoolCorruptError);
        continue;
      }
      const { packedMeta, count } = packSpoolChunk(input, 'f', 0);
      expect(count).toBe(1);
      // The table read by hand: unpackTable refuses times past 2^53, which this header may hold.
      const table = new VarintReader(packedMeta, (fault) => {
        throw new Error(fault);
      });
      const head = table.next();
      // The payload is one line: its length leaves the newline out.
      const record = { stream: head % 2 ? 'e' : 'o', timeMs: unzigzag(table.next()), length: Math.floor(head / 2) + 1 };
      expect(record, header).toEqual(expected);
    }
  });

  for (const form of ['lines', 'packed_lines', 'packed_data'] as const)
    it(`batch decode: random and mutated protobuf (${form}) gives a batch or BadLogBatch`, () => {
      batchFuzz(form);
    });
});

function batchFuzz(form: 'lines' | 'packed_lines' | 'packed_data') {
  const rand = rng(7);
  const texts = Array.from({ length: 5 }, (_, i) => Buffer.from(`x${i}`));
  const { packedLines, packedMeta } = packLines(texts.map((data) => ({ stream: 'o', timeMs: 1, data })));
  // packed_data, as older agents send it: the same lines without their newlines.
  const packed = form === 'packed_lines' ? { packedLines } : { packedData: Buffer.concat(texts) };
  const valid = Buffer.from(
    LogBatch.encode({
      pipelineRun: 'r',
      taskRun: 't',
      steps: [
        {
          step: 's',
          stepIndex: 0,
          ...(form === 'lines'
            ? { lines: texts.map((data, i) => ({ seq: i, stream: 0, timeMs: 1, data })) }
            : { firstSeq: 0, packedMeta, ...packed }),
        },
      ],
    }).finish(),
  );
  let errors = 0;
  for (let k = 0; k < 3000; k++) {
    const input =
      k % 3 === 0
        ? Buffer.from(Array.from({ length: Math.floor(rand() * 100) }, () => Math.floor(rand() * 256)))
        : mutate(valid, rand);
    try {
      const b = decodeLogBatch(input);
      expect(b.pipelineRun).not.toBe('');
    } catch (err) {
      expect(err).toBeInstanceOf(BadLogBatch);
      errors++;
    }
  }
  expect(errors).toBeGreaterThan(100);
}

// Bounded random input into the two decoders: the spool parser and the collector's batch decode.
// Only their named errors may come out, never a crash or a silent half-result.
import { describe, expect, it } from 'vitest';
import { encodeSpoolHeader, parseSpoolHeader } from '../../../contract/index.js';
import { parseSpoolChunk, SpoolCorruptError } from '../../../agent/log-proxy/spool-parser.js';
import { decodeLogBatch } from '../../../collector/decode.js';
import { BadLogBatch } from '../../../collector/errors.js';
import { LogBatch } from '../../../contract/log-wire/index.js';
import { packLines } from '../../../contract/log-wire/index.js';

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
        const d = Buffer.from(`line ${i} ${'z'.repeat(i * 3)}`);
        return Buffer.concat([
          Buffer.from(encodeSpoolHeader(i % 2 ? 'e' : 'o', 1700000000000 + i, d.length)),
          d,
          Buffer.from('\n'),
        ]);
      }),
    );
    let errors = 0;
    for (let k = 0; k < 3000; k++) {
      const input =
        k % 3 === 0
          ? Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)))
          : mutate(valid, rand);
      try {
        const { records, consumed } = parseSpoolChunk(input, 'f', 0, 0);
        expect(consumed).toBeLessThanOrEqual(input.length);
        for (const r of records) expect(r.data.length).toBeLessThanOrEqual(64 * 1024);
      } catch (err) {
        expect(err).toBeInstanceOf(SpoolCorruptError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });

  it('spool parser: a header is read as parseSpoolHeader reads its text', () => {
    const rand = rng(3);
    const alphabet = 'oe 0123456789x';
    const valid = () =>
      encodeSpoolHeader(rand() < 0.5 ? 'o' : 'e', Math.floor(rand() * 1e13), Math.floor(rand() * 100));
    for (let k = 0; k < 5000; k++) {
      const chars = [...valid().slice(0, -1)];
      if (k % 2 === 0) chars[Math.floor(rand() * chars.length)] = alphabet[Math.floor(rand() * alphabet.length)];
      if (k % 5 === 0) chars.splice(Math.floor(rand() * chars.length), Math.floor(rand() * 3));
      if (k % 7 === 0) chars.splice(Math.floor(rand() * chars.length), 0, ...'9'.repeat(1 + Math.floor(rand() * 9)));
      const header = chars.join('');
      const expected = parseSpoolHeader(header);
      const input = Buffer.from(`${header}\n${'a'.repeat(expected?.length ?? 3)}\n`, 'latin1');
      if (!expected) {
        expect(() => parseSpoolChunk(input, 'f', 0, 0), header).toThrow(SpoolCorruptError);
        continue;
      }
      const [record] = parseSpoolChunk(input, 'f', 0, 0).records;
      expect({ stream: record.stream, timeMs: record.timeMs, length: record.data.length }, header).toEqual(expected);
    }
  });

  for (const form of ['lines', 'packed'] as const)
    it(`batch decode: random and mutated protobuf (${form}) gives a batch or BadLogBatch`, () => {
      batchFuzz(form);
    });
});

function batchFuzz(form: 'lines' | 'packed') {
  const rand = rng(7);
  const texts = Array.from({ length: 5 }, (_, i) => Buffer.from(`x${i}`));
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
            : { firstSeq: 0, ...packLines(texts.map((data) => ({ stream: 'o', timeMs: 1, data }))) }),
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

// The record a writer rewrites in place (contract/in-place-record.ts): read whole, or known torn.
import { describe, expect, it } from 'vitest';
import { decodeInPlaceRecord, encodeInPlaceRecord } from '../../contract/index.js';

describe('in-place record', () => {
  it('reads back what it wrote, the same length whatever the fields', () => {
    for (const fields of [[0], [1500], [Number.MAX_SAFE_INTEGER, 7, 1], [123, 4_000_000_000_000, 0]]) {
      const text = encodeInPlaceRecord(fields);
      expect(text.length).toBe(encodeInPlaceRecord([0]).length);
      expect(decodeInPlaceRecord(text)).toEqual(fields);
    }
  });

  it('a write caught at any byte reads as the old record, the new one, or torn: never a mix', () => {
    const pairs: [number[], number[]][] = [
      [[1000], [9_999_999]],
      [
        [4_194_304, 41_943, 0],
        [8_388_608, 83_886, 1],
      ],
      [
        [99, 1, 0],
        [100, 1, 0],
      ],
    ];
    for (const [before, after] of pairs) {
      const old = encodeInPlaceRecord(before);
      const next = encodeInPlaceRecord(after);
      let torn = 0;
      for (let cut = 0; cut <= next.length; cut++) {
        const read = decodeInPlaceRecord(next.slice(0, cut) + old.slice(cut));
        if (read === 'torn') torn++;
        else expect([before, after]).toContainEqual(read);
      }
      expect(torn).toBeGreaterThan(0);
    }
  });

  it('is no record when its shape or numbers are wrong', () => {
    const good = encodeInPlaceRecord([12]);
    for (const bad of [
      '',
      '1500',
      good.slice(0, -1),
      good.replace(/12/g, '-1'),
      good.replace(/12/g, '1x'),
      good.replace(/12 /g, '1e3'),
    ])
      expect(decodeInPlaceRecord(bad)).toBeNull();
  });
});

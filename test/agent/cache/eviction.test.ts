import { describe, expect, it } from 'vitest';
import { planEviction } from '../../../contract/cache/index.js';

const row = (id: string, digest: string, size: number, lastUsed: number) => ({ id, digest, size, lastUsed });

describe('planEviction', () => {
  it('drops least recently used entries until the distinct blobs fit', () => {
    const rows = [row('a', 'A', 40, 1), row('b', 'B', 40, 2), row('c', 'C', 40, 3)];
    expect(planEviction(rows, { maxBytes: 100, maxAgeMs: 1e9 }, 10)).toEqual({ remove: ['a'], freed: ['A'] });
    expect(planEviction(rows, { maxBytes: 120, maxAgeMs: 1e9 }, 10)).toEqual({ remove: [], freed: [] });
  });

  it('counts a shared blob once and frees it only with its last entry', () => {
    const rows = [row('old', 'S', 60, 1), row('mid', 'X', 30, 2), row('new', 'S', 60, 3)];
    // 90 bytes stored; limit 70: "old" goes (S still used by "new"), then "mid" frees X.
    expect(planEviction(rows, { maxBytes: 70, maxAgeMs: 1e9 }, 10)).toEqual({ remove: ['old', 'mid'], freed: ['X'] });
  });

  it('removes entries unused for longer than the age limit, whatever the size', () => {
    const rows = [row('stale', 'A', 1, 0), row('fresh', 'B', 1, 95)];
    expect(planEviction(rows, { maxBytes: 1e9, maxAgeMs: 50 }, 100)).toEqual({ remove: ['stale'], freed: ['A'] });
  });
});

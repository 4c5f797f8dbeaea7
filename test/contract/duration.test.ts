// The one duration grammar: Go's (Tekton's) spelling plus days and weeks, read alike by the
// syntax, the agent and the collector; Go's Duration.String() as the one way back to text.
import { describe, expect, it } from 'vitest';
import { durationFlag, formatDuration, MAX_TIMER_MS, parseDuration, UsageError } from '../../contract/index.js';

const DAY = 86_400_000;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['1h0m0s', 3_600_000],
    ['250us', 0.25],
    ['2µs', 0.002],
    ['+3s', 3000],
    [' 10s ', 10_000],
    ['30d', 30 * DAY],
    ['2w', 14 * DAY],
    ['1.5d', 1.5 * DAY],
    ['1w2d3h', 9 * DAY + 3 * 3_600_000],
  ])('%s is %s ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 's', 'd', '-1s', '1x', '30x', '1m 30s', '1.s.5', '+', '30 days', 'x'.repeat(65)])(
    'refuses %j',
    (text) => expect(parseDuration(text)).toBeUndefined(),
  );

  it('gives undefined or a finite non-negative number for random text (fuzz)', () => {
    const alphabet = '0123456789.+-hmsunµdw x';
    let seed = 3;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
      const ms = parseDuration(text);
      if (ms !== undefined) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    }
  });
});

describe('durationFlag', () => {
  it('reads a flag or names it in a UsageError with examples', () => {
    expect(durationFlag('--retain', '30d')).toBe(30 * DAY);
    expect(() => durationFlag('--retain', '30x')).toThrow(UsageError);
    expect(() => durationFlag('--retain', '30x')).toThrow('--retain 30x: not a duration');
  });
});

describe('formatDuration', () => {
  it('writes what Go writes', () => {
    expect([90_000, 3_600_000, 250, 0, 5_400_000, 1500, 3_723_000].map(formatDuration)).toEqual([
      '1m30s',
      '1h0m0s',
      '250ms',
      '0s',
      '1h30m0s',
      '1.5s',
      '1h2m3s',
    ]);
  });

  it('reads back what it writes', () => {
    for (const ms of [1, 999, 1000, 61_000, 3_600_000, 90 * DAY, MAX_TIMER_MS])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

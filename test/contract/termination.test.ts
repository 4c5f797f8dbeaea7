// The termination message reader both runtimes use: what the agent writes reads back; anything
// else (fuzzed) is no message, never a throw.
import { describe, expect, it } from 'vitest';
import {
  readTermination,
  serializeTermination,
  TERMINATION_DETAIL_LIMIT,
  terminationEntries,
  terminationReason,
} from '../../contract/index.js';

describe('readTermination', () => {
  it('reads back what the agent writes', () => {
    const cache = { key: 'k', matchedKey: 'k', hit: true, restoredBytes: 10, seconds: 0.1, saved: false };
    const startedAt = new Date(Date.UTC(2026, 10, 26));
    const text = serializeTermination(
      terminationEntries({
        startedAt,
        exitCode: 3,
        reason: 'TimeoutExceeded',
        results: [{ name: 'r', value: 'v' }],
        cache,
      }),
    );
    expect(readTermination(text)).toEqual({
      exitCode: 3,
      reason: 'TimeoutExceeded',
      startedAt: startedAt.getTime(),
      results: { r: 'v' },
      cache,
    });
  });

  it('reads exit code, reason, start time and results', () => {
    const text = JSON.stringify([
      { key: 'StartedAt', value: '2026-01-01T00:00:00.000Z', type: 3 },
      { key: 'ExitCode', value: '7', type: 3 },
      { key: 'Reason', value: 'TimeoutExceeded', type: 3 },
      { key: 'digest', value: 'sha', type: 1 },
      { key: '__proto__', value: 'p', type: 1 },
    ]);
    const t = readTermination(text)!;
    expect(t).toMatchObject({ exitCode: 7, reason: 'TimeoutExceeded', startedAt: Date.UTC(2026, 0, 1) });
    expect(Object.keys(t.results)).toEqual(['digest', '__proto__']);
    expect(Object.getPrototypeOf(t.results)).toBe(Object.prototype);
  });

  it('reads the cache record (internal entry kiln.cache) and ignores a malformed one', () => {
    const cache = { key: 'npm-abc', matchedKey: null, hit: false, restoredBytes: 0, seconds: 0.2, saved: true };
    const entries = (value: string) =>
      JSON.stringify([
        { key: 'ExitCode', value: '0', type: 3 },
        { key: 'kiln.cache', value, type: 3 },
      ]);
    expect(readTermination(entries(JSON.stringify(cache)))).toMatchObject({ exitCode: 0, cache });
    expect(readTermination(entries('{"key":1}'))!.cache).toBeUndefined();
    expect(readTermination(entries('not json'))).toMatchObject({ exitCode: 0 });
  });

  it('reads stored-result references and ignores malformed ones', () => {
    const sha = 'a'.repeat(64);
    const entry = (key: string, value: string) => ({ key, value, type: 3 });
    const text = JSON.stringify([
      entry('kiln.result:big', JSON.stringify({ size: 5000, sha256: sha })),
      entry('kiln.result:bad', '{"size":-1}'),
      entry('kiln.result:', JSON.stringify({ size: 1, sha256: sha })),
      entry('kiln.result:worse', 'nope'),
    ]);
    expect(readTermination(text)!.stored).toEqual([{ name: 'big', size: 5000, sha256: sha }]);
  });

  it.each([
    undefined,
    '',
    'null',
    '[{"key":"k","value":"v","type":1},{"key":2}]',
    '{}',
    '[1]',
    '[{"key":1,"value":"x","type":1}]',
    'x'.repeat(20_000),
  ])('refuses %j', (text) => {
    expect(readTermination(text)).toBeUndefined();
  });

  it("carries a failure's words as entry Message, cut to its limit, shown beside the reason", () => {
    const message = `ENOSPC writing the log spool /k/logs/0.spool ${'x'.repeat(1000)}`;
    const t = readTermination(
      serializeTermination(terminationEntries({ exitCode: 1, reason: 'AgentIOError', message, results: [] })),
    )!;
    expect(t.message).toBe(message.slice(0, TERMINATION_DETAIL_LIMIT));
    expect(terminationReason(t)).toBe(`AgentIOError: ${t.message}`);
    expect(terminationReason({ reason: 'Skipped', results: {} })).toBe('Skipped');
  });

  it('reads a reserved, still blank message as no message', () => {
    expect(readTermination(' '.repeat(4096))).toBeUndefined();
  });

  it('never throws on random input (fuzz)', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      '[',
      ']',
      '{',
      '}',
      '"key"',
      '"value"',
      '"type"',
      ':',
      ',',
      '1',
      '3',
      '"ExitCode"',
      '"x"',
      'null',
      '-',
      '"\\u0000"',
    ];
    for (let i = 0; i < 5000; i++) {
      const text = Array.from(
        { length: Math.floor(rand() * 30) },
        () => pieces[Math.floor(rand() * pieces.length)],
      ).join('');
      const out = readTermination(text);
      if (out) expect(typeof out.results).toBe('object');
    }
  });
});

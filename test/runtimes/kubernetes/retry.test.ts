// The API client's retry rule: which failures are tried again, how long it waits, when it stops.
import { describe, expect, it } from 'vitest';
import { backoffMs, isTransient, withRetry, type FailureFacts } from '../../../runtimes/kubernetes/retry.js';

const facts = (err: unknown): FailureFacts => ({ status: (err as { code?: number }).code });
const failing = (codes: (number | undefined)[]) => {
  let calls = 0;
  return {
    fn: async () => {
      const code = codes[calls++];
      if (calls > codes.length) return 'ok';
      throw Object.assign(new Error(`HTTP ${code}`), { code });
    },
    calls: () => calls,
  };
};
const sleeps: number[] = [];
const opts = {
  attempts: 4,
  baseMs: 100,
  maxMs: 1000,
  sleep: async (ms: number) => void sleeps.push(ms),
  random: () => 1,
};

describe('API retries', () => {
  it('retries 500, 502, 503, 504, 429 and a lost connection, and nothing else', () => {
    for (const status of [500, 502, 503, 504, 429, undefined]) expect(isTransient({ status })).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 410, 422]) expect(isTransient({ status })).toBe(false);
  });

  it('retries only 429 for a create whose name the server generates (a 5xx may have made one)', () => {
    expect(isTransient({ status: 500, generatedName: true })).toBe(false);
    expect(isTransient({ status: undefined, generatedName: true })).toBe(false);
    expect(isTransient({ status: 429, generatedName: true })).toBe(true);
  });

  it('backs off exponentially up to the cap, and waits what Retry-After asks', () => {
    const o = { ...opts, random: () => 1 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, { status: 500 }, o))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(1, { status: 500 }, { ...o, random: () => 0 })).toBe(50);
    expect(backoffMs(1, { status: 429, retryAfterSeconds: 2 }, o)).toBe(2000);
  });

  it('succeeds after transient failures, waiting between tries', async () => {
    sleeps.length = 0;
    const f = failing([500, 429, undefined]);
    await expect(withRetry(f.fn, facts, opts)).resolves.toBe('ok');
    expect(f.calls()).toBe(4);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('gives up after the last attempt with the last error', async () => {
    const f = failing([503, 503, 503, 503, 503]);
    await expect(withRetry(f.fn, facts, opts)).rejects.toThrow('HTTP 503');
    expect(f.calls()).toBe(4);
  });

  it('returns a permanent refusal at once', async () => {
    const f = failing([403]);
    await expect(withRetry(f.fn, facts, opts)).rejects.toThrow('HTTP 403');
    expect(f.calls()).toBe(1);
  });
});

// Client-side request throttling, as client-go does it: a token bucket refilled at `qps` tokens a
// second holding at most `burst`. Every API call the controller makes takes a token first, so a
// burst of 500 new PipelineRuns cannot flood the API server.

export interface RateLimiter {
  /** Resolves when the caller may send one request. */
  take(): Promise<void>;
}

export interface TokenBucketOptions {
  qps: number;
  burst: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function tokenBucket(opts: TokenBucketOptions): RateLimiter {
  if (!(opts.qps > 0) || !(opts.burst >= 1))
    throw new RangeError(`rate limit needs qps > 0 and burst >= 1 (got qps=${opts.qps}, burst=${opts.burst})`);
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let tokens = opts.burst;
  let last = now();
  // Reservations are handed out in call order: each caller learns how long to wait for its token.
  return {
    async take() {
      const t = now();
      tokens = Math.min(opts.burst, tokens + ((t - last) / 1000) * opts.qps);
      last = t;
      tokens -= 1;
      if (tokens < 0) await sleep((-tokens / opts.qps) * 1000);
    },
  };
}

export const unlimited: RateLimiter = { take: async () => {} };

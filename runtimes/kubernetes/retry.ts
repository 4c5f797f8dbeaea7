// Which API failures are worth another try, and the backoff between tries (pure but for the
// injected sleep). A transient failure — the server overloaded (429, honouring Retry-After), failing
// (500, 502, 503, 504) or the connection lost — is retried with exponential backoff and jitter;
// anything else (400, 403, 404, 409, 422) is an answer and goes back to the caller at once.

export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseMs: 100, maxMs: 4000 };

/** What the retry loop needs to know of a failure. */
export interface FailureFacts {
  /** The HTTP status; undefined when no answer came (connection refused or reset). */
  status: number | undefined;
  /** Retry-After, in seconds, when the server sent one. */
  retryAfterSeconds?: number;
  /** A create whose name the server generates: a 5xx may have made one, so only 429 (not processed) is retried. */
  generatedName?: boolean;
}

export function isTransient(f: FailureFacts): boolean {
  if (f.status === undefined) return !f.generatedName;
  if (f.status === 429) return true;
  return TRANSIENT_STATUSES.has(f.status) && !f.generatedName;
}

/** The wait before try `attempt` (1-based count of failures so far). */
export function backoffMs(attempt: number, f: FailureFacts, o: RetryOptions): number {
  if (f.retryAfterSeconds !== undefined && f.retryAfterSeconds >= 0)
    return Math.min(o.maxMs * 4, f.retryAfterSeconds * 1000);
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** (attempt - 1));
  // Full jitter in the upper half: spread retries of many workers, never below half the backoff.
  return exp / 2 + (o.random ?? Math.random)() * (exp / 2);
}

export async function withRetry<T>(
  fn: () => Promise<T>,
  facts: (err: unknown) => FailureFacts,
  o: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const f = facts(err);
      if (attempt >= o.attempts || !isTransient(f)) throw err;
      await sleep(backoffMs(attempt, f, o));
    }
  }
}

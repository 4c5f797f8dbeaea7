// `retries:` in Kiln syntax: a count (`retries: 2`, as Tekton), or a policy
// `{count, backoff: {delay, factor, max}, on: [failure, timeout]}` (docs/orchestration.md).
import { isMap } from 'yaml';
import { MAX_RETRIES } from './common.js';
import type { RetryOn, RetryPolicy } from './model.js';
import type { At, Source } from './yaml-source.js';

const POLICY_KEYS = ['count', 'backoff', 'on'] as const;
const BACKOFF_KEYS = ['delay', 'factor', 'max'] as const;
const RETRY_ON: readonly RetryOn[] = ['failure', 'timeout'];
const MAX_FACTOR = 10;

export function readRetries(src: Source, at: At | undefined, what: string): { retries: number; policy?: RetryPolicy } {
  if (!at?.node || !isMap(at.node)) return { retries: src.integer(at, what, 0, MAX_RETRIES) ?? 0 };
  const f = src.fields(at, what, POLICY_KEYS);
  if (!f) return { retries: 0 };
  if (!f.has('count')) src.error(at.pos, `${what} has no count`, 'add count: 3 (how many times to retry)');
  const retries = src.integer(f.get('count'), `${what}.count`, 0, MAX_RETRIES) ?? 0;
  const on: RetryOn[] = [];
  for (const item of src.list(f.get('on'), `${what}.on`) ?? []) {
    const value = src.choice(item, `an item of ${what}.on`, RETRY_ON);
    if (value && !on.includes(value)) on.push(value);
  }
  const policy: RetryPolicy = { on: f.has('on') ? on : [...RETRY_ON] };
  if (f.has('on') && on.length === 0)
    src.error(f.get('on')!.pos, `${what}.on lists nothing to retry`, 'write on: [failure], [timeout] or both');
  const backoffAt = f.get('backoff');
  if (backoffAt) {
    const b = src.fields(backoffAt, `${what}.backoff`, BACKOFF_KEYS);
    const delayMs = b && src.duration(b.get('delay'), `${what}.backoff.delay`);
    if (b && !b.has('delay')) src.error(backoffAt.pos, `${what}.backoff has no delay`, 'add delay: 10s');
    const factor = b?.has('factor') ? readFactor(src, b.get('factor')!, `${what}.backoff.factor`) : 1;
    const maxMs = b && src.duration(b.get('max'), `${what}.backoff.max`);
    if (delayMs !== undefined && factor !== undefined) {
      policy.backoff = { delayMs, factor, ...(maxMs !== undefined ? { maxMs } : {}) };
      if (maxMs !== undefined && maxMs < delayMs)
        src.error(b!.get('max')!.pos, `${what}.backoff.max is shorter than its delay`, 'make max at least the delay');
    }
  }
  return { retries, policy };
}

function readFactor(src: Source, at: At, what: string): number | undefined {
  const text = src.string(at, what);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (Number.isFinite(n) && n >= 1 && n <= MAX_FACTOR) return n;
  src.error(
    at.pos,
    `${what}: "${text}" is not a number from 1 to ${MAX_FACTOR}`,
    'write factor: 2 to double the delay',
  );
  return undefined;
}

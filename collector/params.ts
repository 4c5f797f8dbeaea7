// Query-string parsing with 400s that name the parameter.
import { RequestRejected } from './errors.js';

export function intParam(
  raw: string | undefined,
  name: string,
  o: { min: number; max: number; fallback?: number },
): number {
  if (raw === undefined || raw === '') {
    if (o.fallback === undefined) throw new RequestRejected(400, `${name} is required`);
    return o.fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < o.min || n > o.max) {
    throw new RequestRejected(400, `${name}=${raw}: must be an integer from ${o.min} to ${o.max}`);
  }
  return n;
}

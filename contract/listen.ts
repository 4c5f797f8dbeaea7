// A listen address flag (`--listen`, `--metrics-listen`): HOST:PORT, an IPv6 host in brackets.
import { UsageError } from './errors.js';

export function parseListen(listen: string, flag = '--listen'): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535)
    throw new UsageError(`${flag} ${listen}: not HOST:PORT`, `e.g. ${flag} 127.0.0.1:8790`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

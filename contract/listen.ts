// A listen address flag (`--listen`, `--metrics-listen`): HOST:PORT, an IPv6 host in brackets.
import { UsageError } from './errors.js';

export function parseListen(listen: string, flag = '--listen'): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535)
    throw new UsageError(`${flag} ${listen}: not HOST:PORT`, `e.g. ${flag} 127.0.0.1:8790`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/**
 * The URL a client on this machine reaches a server at, once it listens on `host`: the port it was
 * bound to (from server.address(), for a requested port 0), an IPv6 host in brackets, and the
 * loopback address for "every address" (0.0.0.0).
 */
export function listeningUrl(host: string, address: string | { port: number } | null, port: number): string {
  const bound = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${urlHost}:${bound}`;
}

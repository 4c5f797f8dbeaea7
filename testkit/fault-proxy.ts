// A proxy between a client and a Kubernetes API server (real HTTP on loopback) that injects the
// failures a real cluster has: a request answered 500, 429 (with Retry-After) or 409 instead of
// being forwarded, or a watch dropped mid-stream. Each fault fires on the next `times` requests
// matching its method and path. It counts every request it forwards, by verb, so a bench or test
// can read requests per run.
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Fault {
  method?: string;
  path: RegExp;
  /** 500, 429 or 409: answered by the proxy; 'drop-watch': the watch is forwarded, then cut after `afterMs`. */
  kind: 500 | 429 | 409 | 'drop-watch';
  times: number;
  afterMs?: number;
}

export interface FaultProxy {
  url: string;
  inject(f: Fault): void;
  /** Faults that fired, by kind. */
  fired: Record<string, number>;
  /** Forwarded requests by verb (list, watch, get, create, patch, update, delete). */
  requests: Record<string, number>;
  /** Cuts every open watch now. */
  dropWatches(): void;
  close(): Promise<void>;
}

/** The Kubernetes verb of a request, as the API server's audit log names it. */
export function verbOf(method: string, url: URL): string {
  if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return 'watch';
  const named = /\/namespaces\/[^/]+\/[^/]+\/[^/]+/.test(url.pathname) || /^\/api\/v1\/nodes\/[^/]+/.test(url.pathname);
  switch (method) {
    case 'GET':
      return named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

const answer = (res: ServerResponse, code: number, reason: string, headers: Record<string, string> = {}) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: `injected ${reason}`,
      reason,
      code,
    }),
  );
};

export async function startFaultProxy(target: string, opts: { ca?: string } = {}): Promise<FaultProxy> {
  const t = new URL(target);
  const faults: Fault[] = [];
  // A watch is cut on both sides: the client must see its stream end, as when a server restarts.
  const watches = new Set<() => void>();
  const proxy: Omit<FaultProxy, 'url' | 'close'> = {
    fired: {},
    requests: {},
    inject: (f) => void faults.push({ ...f }),
    dropWatches: () => {
      for (const cut of watches) cut();
    },
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const verb = verbOf(req.method ?? 'GET', url);
    const i = faults.findIndex(
      (f) => f.times > 0 && (!f.method || f.method === req.method) && f.path.test(url.pathname),
    );
    const fault = i >= 0 ? faults[i] : undefined;
    if (fault && fault.kind !== 'drop-watch') {
      fault.times--;
      proxy.fired[fault.kind] = (proxy.fired[fault.kind] ?? 0) + 1;
      req.resume();
      if (fault.kind === 500) return answer(res, 500, 'InternalError');
      if (fault.kind === 429) return answer(res, 429, 'TooManyRequests', { 'retry-after': '1' });
      return answer(res, 409, 'Conflict');
    }
    proxy.requests[verb] = (proxy.requests[verb] ?? 0) + 1;
    const send = t.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send(
      {
        host: t.hostname,
        port: t.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: t.host },
        ca: opts.ca,
        rejectUnauthorized: !!opts.ca,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        if (verb !== 'watch') return;
        const cut = () => {
          up.destroy();
          res.destroy();
        };
        watches.add(cut);
        up.once('close', () => watches.delete(cut));
        if (fault?.kind === 'drop-watch' && fault.times > 0) {
          fault.times--;
          setTimeout(() => {
            proxy.fired['drop-watch'] = (proxy.fired['drop-watch'] ?? 0) + 1;
            cut();
          }, fault.afterMs ?? 0);
        }
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
    res.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    ...proxy,
    get fired() {
      return proxy.fired;
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        proxy.dropWatches();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

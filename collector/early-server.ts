// A collector's HTTP server bound before the collector is built. `kiln run` learns its embedded
// collector's address at once and starts the run's first task runs while the collector loads
// (fastify, the store, the routes: ≈100 ms of its start); a request that arrives meanwhile waits
// for it, or is answered 503 if the collector cannot start.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listeningUrl } from '../contract/index.js';
import { DEFAULT_LIMITS } from './context.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface EarlyServer {
  readonly server: Server;
  readonly url: string;
  /** Fastify's handler (its serverFactory hands it over when the app is made): not used before serve(). */
  adopt(handler: Handler): Server;
  /** The collector is ready: what waited, and everything after, goes to its handler. */
  serve(): void;
  /** The collector could not start: every request is answered 503. */
  fail(err: Error): void;
  close(): Promise<void>;
}

/** Only `kiln run`'s embedded collector listens early: on loopback, at a port the system picks. */
const HOST = '127.0.0.1';

export async function listenEarly(): Promise<EarlyServer> {
  const limits = DEFAULT_LIMITS;
  // The settings fastify gives a server it makes itself (lib/server.js), from the same limits.
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.setTimeout(limits.idleTimeoutMs);
  let adopted: Handler | undefined;
  let handle: Handler | undefined;
  const waiting: [IncomingMessage, ServerResponse][] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    handle ? handle(req, res) : waiting.push([req, res]),
  );
  const drain = (h: Handler) => {
    handle = h;
    for (const [req, res] of waiting.splice(0)) h(req, res);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    url: listeningUrl(HOST, server.address(), 0),
    adopt(handler) {
      adopted = handler;
      return server;
    },
    serve() {
      if (!adopted) throw new Error('the collector never handed over its handler');
      drain(adopted);
    },
    fail(err) {
      drain((_req, res) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `the embedded collector could not start: ${err.message}` }));
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

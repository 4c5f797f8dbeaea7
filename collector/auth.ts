// Who may do what: writes need the run-scoped token of the run they touch, reads the reader token.
// Every request that carries a body (POST, PUT, PATCH) is a write: its run token is checked when the
// request arrives (`checkWriterOnRequest`), before a byte of the body is read.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyRunToken, type RunClaims } from './run-token.js';
import { RequestRejected } from './errors.js';
import type { RouteConfig } from './context.js';
import { isPersonToken, verifyPersonToken, type PersonClaims } from './person-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims of the request's run token (set before the body is read). */
    runClaims?: RunClaims;
  }
}

export function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1] : null;
}

/** Compared in constant time: a token's prefix must not be guessable from response times. */
export function isReaderToken(token: string, readerToken: string): boolean {
  const a = Buffer.from(token);
  const b = Buffer.from(readerToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A read: the reader token, or a person's named token (person-token.ts). */
export function requireReader(req: FastifyRequest, o: { readerToken: string; secret: string }): void {
  const t = bearer(req);
  if (!t) throw new RequestRejected(401, 'reading needs the reader token: send "Authorization: Bearer $KILN_TOKEN"');
  if (isPersonToken(t)) return void requirePerson(req, o.secret);
  if (!isReaderToken(t, o.readerToken))
    throw new RequestRejected(401, 'the reader token is not valid for this collector');
}

/** The identity of the request's named token, or a 401 saying what is wrong with it. */
export function requirePerson(req: FastifyRequest, secret: string): PersonClaims {
  const t = bearer(req);
  if (!t || !isPersonToken(t))
    throw new RequestRejected(
      401,
      `${req.method} ${req.url.split('?')[0]} needs a named token (the reader token and run tokens name nobody): create one with \`kiln token create NAME --group GROUP\``,
    );
  const claims = verifyPersonToken(secret, t);
  if (!claims)
    throw new RequestRejected(
      401,
      'the named token is not valid for this collector (expired, or minted with another secret)',
    );
  return claims;
}

/** A read of one run's data: the reader token, or that run's own token (the engine holds only that). */
export function requireReaderOrRun(
  req: FastifyRequest,
  o: { readerToken: string; secret: string },
  runId: string,
): void {
  const t = bearer(req);
  if (t && (isReaderToken(t, o.readerToken) || isPersonToken(t))) return requireReader(req, o);
  if (!t) requireReader(req, o); // says what to send
  requireRunWriter(req, o.secret, runId);
}

/** The claims of the request's run token, or a 401 saying what is wrong with it. */
export function runTokenClaims(req: FastifyRequest, secret: string): RunClaims {
  if (req.runClaims) return req.runClaims;
  const t = bearer(req);
  if (!t)
    throw new RequestRejected(
      401,
      `${req.method} ${req.url.split('?')[0]} is a write and needs its run's token: send "Authorization: Bearer TOKEN"`,
    );
  const claims = verifyRunToken(secret, t);
  if (claims === null)
    throw new RequestRejected(
      401,
      `${req.method} ${req.url.split('?')[0]} is a write: the token is not a run token of this collector (minted with another secret? the reader token only reads)`,
    );
  return (req.runClaims = claims);
}

/** onRequest: a write without a valid run token is refused before its body is read, and its connection closed. */
export function checkWriterOnRequest(secret: string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return;
    if ((req.routeOptions.config as RouteConfig | undefined)?.signedBody) return;
    try {
      // A person's write (an approval's decision) is theirs, not a run's.
      if ((req.routeOptions.config as RouteConfig | undefined)?.byPerson) requirePerson(req, secret);
      else runTokenClaims(req, secret);
    } catch (err) {
      // The unread body is not worth draining: the client must reconnect.
      reply.header('connection', 'close');
      throw err;
    }
  };
}

export function requireRunWriter(req: FastifyRequest, secret: string, runId: string): RunClaims {
  const claims = runTokenClaims(req, secret);
  if (claims.run !== runId) {
    throw new RequestRejected(
      403,
      `the token is for run ${JSON.stringify(claims.run)}, not for run ${JSON.stringify(runId)}`,
    );
  }
  return claims;
}

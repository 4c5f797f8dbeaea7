// Who may do what: writes need the run-scoped token of the run they touch, reads the reader token.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { verifyRunToken } from './run-token.js';
import { RequestRejected } from './errors.js';

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

export function requireReader(req: FastifyRequest, readerToken: string): void {
  const t = bearer(req);
  if (!t) throw new RequestRejected(401, 'reading needs the reader token: send "Authorization: Bearer $KILN_TOKEN"');
  if (!isReaderToken(t, readerToken))
    throw new RequestRejected(401, 'the reader token is not valid for this collector');
}

/** A read of one run's data: the reader token, or that run's own token (the engine holds only that). */
export function requireReaderOrRun(
  req: FastifyRequest,
  o: { readerToken: string; secret: string },
  runId: string,
): void {
  const t = bearer(req);
  if (t && isReaderToken(t, o.readerToken)) return;
  if (!t) requireReader(req, o.readerToken); // says what to send
  requireRunWriter(req, o.secret, runId);
}

export function requireRunWriter(req: FastifyRequest, secret: string, runId: string): void {
  const t = bearer(req);
  if (!t)
    throw new RequestRejected(
      401,
      `writing to run ${JSON.stringify(runId)} needs its run token: send "Authorization: Bearer TOKEN"`,
    );
  const tokenRun = verifyRunToken(secret, t);
  if (tokenRun === null)
    throw new RequestRejected(401, 'the run token is not valid for this collector (minted with another secret?)');
  if (tokenRun !== runId) {
    throw new RequestRejected(
      403,
      `the token is for run ${JSON.stringify(tokenRun)}, not for run ${JSON.stringify(runId)}`,
    );
  }
}

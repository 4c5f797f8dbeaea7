// Who may do what: writes need the run-scoped token of the run they touch, reads the reader token.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { verifyRunToken } from '../proto/token.js';
import { RequestRejected } from './errors.js';

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1] : null;
}

export function requireReader(req: FastifyRequest, readerToken: string): void {
  const t = bearer(req);
  if (!t) throw new RequestRejected(401, 'reading needs the reader token: send "Authorization: Bearer $KILN_TOKEN"');
  const a = Buffer.from(t);
  const b = Buffer.from(readerToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new RequestRejected(401, 'the reader token is not valid for this collector');
}

export function requireRunWriter(req: FastifyRequest, secret: string, runId: string): void {
  const t = bearer(req);
  if (!t) throw new RequestRejected(401, `writing to run ${JSON.stringify(runId)} needs its run token: send "Authorization: Bearer TOKEN"`);
  const tokenRun = verifyRunToken(secret, t);
  if (tokenRun === null) throw new RequestRejected(401, 'the run token is not valid for this collector (minted with another secret?)');
  if (tokenRun !== runId) {
    throw new RequestRejected(403, `the token is for run ${JSON.stringify(tokenRun)}, not for run ${JSON.stringify(runId)}`);
  }
}

// The run-scoped write token (shared by the engine, which mints it, and the collector, which
// verifies it): `krt1.<base64url(pipeline run id)>.<base64url(HMAC-SHA256(secret, run id))>`.
// The run id is carried in the token so the collector can name the run in its 403 message.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'krt1';

function mac(secret: string | Buffer, runId: string): Buffer {
  return createHmac('sha256', secret).update(`kiln-run:${runId}`).digest();
}

export function mintRunToken(secret: string | Buffer, runId: string): string {
  if (!runId) throw new Error('mintRunToken: empty pipeline run id');
  return `${PREFIX}.${Buffer.from(runId).toString('base64url')}.${mac(secret, runId).toString('base64url')}`;
}

/** The pipeline run a token was minted for, or null when it is not a valid token for this secret. */
export function verifyRunToken(secret: string | Buffer, token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const runId = Buffer.from(parts[1], 'base64url').toString();
  const given = Buffer.from(parts[2], 'base64url');
  const want = mac(secret, runId);
  if (!runId || given.length !== want.length || !timingSafeEqual(given, want)) return null;
  return runId;
}

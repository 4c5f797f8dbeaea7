// The run-scoped write token: the CLI and the controller mint it (through the collector's face),
// the collector verifies it. `krt2.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret,
// "kiln-run:" + claims segment))>`. The claims fix what the run is when the token is minted — its
// id, pipeline, branch and namespace — so a token holder cannot rename its record into another
// pipeline and write that pipeline's cache. Only the canonical encoding verifies: one token has
// one spelling.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'krt2';

/** What a run token binds. `branch` absent: the collector's default branch; `namespace` absent: a local run. */
export interface RunClaims {
  run: string;
  pipeline: string;
  branch?: string;
  namespace?: string;
}

/** The branch a run record names: its `branch` label, else a non-empty string `branch` param. */
export function runBranch(r: {
  labels?: Record<string, string>;
  params?: Record<string, unknown>;
}): string | undefined {
  const param = r.params?.branch;
  return r.labels?.branch ?? (typeof param === 'string' && param ? param : undefined);
}

/** The claims of a run about to start (or of its record): its id, pipeline and branch, and where it runs. */
export function runClaims(
  r: { id: string; name: string; labels?: Record<string, string>; params?: Record<string, unknown> },
  namespace?: string,
): RunClaims {
  const branch = runBranch(r);
  return { run: r.id, pipeline: r.name, ...(branch ? { branch } : {}), ...(namespace ? { namespace } : {}) };
}

function mac(secret: string | Buffer, segment: string): Buffer {
  return createHmac('sha256', secret).update(`kiln-run:${segment}`).digest();
}

export function mintRunToken(secret: string | Buffer, claims: RunClaims): string {
  if (!claims.run) throw new Error('mintRunToken: empty pipeline run id');
  if (!claims.pipeline) throw new Error(`mintRunToken: run ${claims.run} has no pipeline name`);
  const { run, pipeline, branch, namespace } = claims;
  const segment = Buffer.from(JSON.stringify({ run, pipeline, branch, namespace })).toString('base64url');
  return `${PREFIX}.${segment}.${mac(secret, segment).toString('base64url')}`;
}

/** The bytes of a base64url segment, or null unless it is spelled exactly as Node encodes them. */
function canonical(segment: string): Buffer | null {
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : null;
}

const optionalString = (v: unknown) => v === undefined || (typeof v === 'string' && v !== '');

/** The claims of a token minted with this secret, or null when it is not one. */
export function verifyRunToken(secret: string | Buffer, token: string): RunClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const body = canonical(parts[1]);
  const given = canonical(parts[2]);
  if (!body || !given) return null;
  const want = mac(secret, parts[1]);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof c.run !== 'string' || !c.run || typeof c.pipeline !== 'string' || !c.pipeline) return null;
  if (!optionalString(c.branch) || !optionalString(c.namespace)) return null;
  return runClaims(
    { id: c.run, name: c.pipeline, labels: c.branch ? { branch: c.branch as string } : undefined },
    c.namespace as string | undefined,
  );
}

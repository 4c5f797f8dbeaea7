// Named tokens: a person's or a group's identity at the collector, for deciding approvals (and
// reading, as the reader token does). `kpt1.<base64url(JSON {name, groups, exp?})>.<base64url(
// HMAC-SHA256(secret, "kiln-person:" + claims segment))>`, minted with the collector's write secret
// (`kiln token create`), so nothing is stored and the reader token and run tokens (`krt2.`) keep
// working as they are. A named token is ended by its `exp`, or for all at once by a new secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'kpt1';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/;

export interface PersonClaims {
  name: string;
  groups: string[];
  /** Unix seconds after which the token is refused. */
  exp?: number;
}

export const isPersonToken = (token: string | null) => !!token && token.startsWith(`${PREFIX}.`);

/** Why a name or group cannot be one, or undefined when it can. */
export function badIdentityName(name: string): string | undefined {
  return NAME.test(name)
    ? undefined
    : `"${name}" is not a valid name: use letters, digits, ".", "_", "@" and "-" (at most 63, starting with a letter or digit)`;
}

function mac(secret: string | Buffer, segment: string): Buffer {
  return createHmac('sha256', secret).update(`kiln-person:${segment}`).digest();
}

export function mintPersonToken(secret: string | Buffer, claims: PersonClaims): string {
  for (const n of [claims.name, ...claims.groups]) {
    const bad = badIdentityName(n);
    if (bad) throw new Error(`mintPersonToken: ${bad}`);
  }
  const { name, groups, exp } = claims;
  const segment = Buffer.from(JSON.stringify({ name, groups, exp })).toString('base64url');
  return `${PREFIX}.${segment}.${mac(secret, segment).toString('base64url')}`;
}

/** The claims of a named token minted with this secret and not expired at `nowMs`, or null. */
export function verifyPersonToken(secret: string | Buffer, token: string, nowMs = Date.now()): PersonClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const given = Buffer.from(parts[2], 'base64url');
  const want = mac(secret, parts[1]);
  if (given.toString('base64url') !== parts[2] || given.length !== want.length || !timingSafeEqual(given, want))
    return null;
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof c.name !== 'string' || badIdentityName(c.name)) return null;
  if (!Array.isArray(c.groups) || !c.groups.every((g) => typeof g === 'string')) return null;
  if (c.exp !== undefined && (typeof c.exp !== 'number' || c.exp * 1000 <= nowMs)) return null;
  return { name: c.name, groups: c.groups as string[], ...(c.exp !== undefined ? { exp: c.exp } : {}) };
}

// How each forge signs a delivery, names it and its event, and where its payload keeps the branch
// and the commit. Signatures are compared in constant time over the raw bytes received.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Source } from './model.js';

/** Header names are lower-cased, as node:http gives them. */
export type Headers = Record<string, string | string[] | undefined>;

export function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

interface SourceRules {
  /** The header the signature or token travels in. */
  signatureHeader: string;
  /** `sha256=` before the hex digest (GitHub, generic) or the bare digest (Gitea). */
  prefix?: string;
  /** GitLab sends the secret itself, not an HMAC. */
  plainToken?: boolean;
  deliveryHeader: string;
  eventHeader: string;
}

export const SOURCE_RULES: Record<Source, SourceRules> = {
  github: {
    signatureHeader: 'x-hub-signature-256',
    prefix: 'sha256=',
    deliveryHeader: 'x-github-delivery',
    eventHeader: 'x-github-event',
  },
  gitlab: {
    signatureHeader: 'x-gitlab-token',
    plainToken: true,
    deliveryHeader: 'x-gitlab-event-uuid',
    eventHeader: 'x-gitlab-event',
  },
  gitea: { signatureHeader: 'x-gitea-signature', deliveryHeader: 'x-gitea-delivery', eventHeader: 'x-gitea-event' },
  generic: {
    signatureHeader: 'x-kiln-signature-256',
    prefix: 'sha256=',
    deliveryHeader: 'x-kiln-delivery',
    eventHeader: 'x-kiln-event',
  },
};

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** null when the delivery is signed with `secret`; else why not (the 401's message). */
export function checkSignature(source: Source, h: Headers, raw: Buffer, secret: string): string | null {
  const rules = SOURCE_RULES[source];
  const given = header(h, rules.signatureHeader);
  if (!given) return `no ${rules.signatureHeader} header: the ${source} delivery is not signed`;
  if (rules.plainToken)
    return sameBytes(Buffer.from(given), Buffer.from(secret))
      ? null
      : `${rules.signatureHeader} does not match the trigger's secret`;
  const prefix = rules.prefix ?? '';
  const hex = given.startsWith(prefix) ? given.slice(prefix.length) : '';
  if (!/^[0-9a-f]{64}$/i.test(hex)) return `${rules.signatureHeader} is not ${prefix}<64 hex digits>`;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return sameBytes(Buffer.from(hex, 'hex'), expected)
    ? null
    : `${rules.signatureHeader} does not match the body signed with the trigger's secret`;
}

/** The signature header a sender puts on `raw` (tests, `kiln triggers test`, the bench). */
export function signDelivery(source: Source, raw: Buffer | string, secret: string): Record<string, string> {
  const rules = SOURCE_RULES[source];
  if (rules.plainToken) return { [rules.signatureHeader]: secret };
  return { [rules.signatureHeader]: (rules.prefix ?? '') + createHmac('sha256', secret).update(raw).digest('hex') };
}

/** What a delivery is, in the same words for every forge. */
export interface DeliveryFacts {
  event: string;
  /** The branch pushed to, or a pull/merge request's target branch; '' when none (a tag push). */
  branch: string;
  tag: string;
  /** The commit a status belongs to. */
  sha: string;
  /** owner/name (GitHub, Gitea) or the project's id (GitLab): where a commit status is posted. */
  repo: string;
}

const GITLAB_EVENTS: Record<string, string> = {
  'Push Hook': 'push',
  'Tag Push Hook': 'tag',
  'Merge Request Hook': 'pull_request',
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function refFacts(ref: string): { branch: string; tag: string } {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length), tag: '' };
  if (ref.startsWith('refs/tags/')) return { branch: '', tag: ref.slice('refs/tags/'.length) };
  return { branch: '', tag: '' };
}

export function deliveryFacts(source: Source, h: Headers, body: unknown): DeliveryFacts {
  const b = obj(body);
  const raw = header(h, SOURCE_RULES[source].eventHeader) ?? '';
  const event = source === 'gitlab' ? (GITLAB_EVENTS[raw] ?? raw) : raw === 'create' ? 'tag' : raw;
  if (source === 'gitlab') {
    const project = obj(b.project);
    const repo = str(project.id) || str(b.project_id);
    if (event === 'pull_request') {
      const mr = obj(b.object_attributes);
      return { event, branch: str(mr.target_branch), tag: '', sha: str(obj(mr.last_commit).id), repo };
    }
    return { event, ...refFacts(str(b.ref)), sha: str(b.checkout_sha) || str(b.after), repo };
  }
  const repo = str(obj(b.repository).full_name);
  if (event === 'pull_request') {
    const pr = obj(b.pull_request);
    return { event, branch: str(obj(pr.base).ref), tag: '', sha: str(obj(pr.head).sha), repo };
  }
  const ref = refFacts(str(b.ref));
  // A push is a tag push when its ref is a tag: filters and statuses treat it as one.
  return { event: event === 'push' && ref.tag ? 'tag' : event, ...ref, sha: str(b.after), repo };
}

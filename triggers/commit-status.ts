// A commit status on the forge for a triggered run: the request for each forge (pure), and its
// sending with retries. A status that cannot be posted is reported to the caller, who shows it on
// the run; it never changes how the run ends.
import type { Source, StatusTarget } from './model.js';

export type CommitState = 'pending' | 'success' | 'failure' | 'cancelled';

export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

const GITLAB: Record<CommitState, string> = {
  pending: 'running',
  success: 'success',
  failure: 'failed',
  cancelled: 'canceled',
};
const GITHUB: Record<CommitState, string> = {
  pending: 'pending',
  success: 'success',
  failure: 'failure',
  cancelled: 'error',
};

const repoPath = (repo: string) => repo.split('/').map(encodeURIComponent).join('/');

export function statusRequest(
  source: Source,
  target: StatusTarget,
  token: string,
  s: { repo: string; sha: string; state: CommitState; url: string; description: string },
): StatusRequest {
  const json = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'kiln' };
  const description = s.description.slice(0, 140);
  if (source === 'gitlab')
    return {
      url: `${target.api}/projects/${encodeURIComponent(s.repo)}/statuses/${encodeURIComponent(s.sha)}`,
      headers: { ...json, 'private-token': token },
      body: { state: GITLAB[s.state], name: target.context, target_url: s.url, description },
    };
  return {
    url: `${target.api}/repos/${repoPath(s.repo)}/statuses/${encodeURIComponent(s.sha)}`,
    // GitHub takes "Bearer", Gitea "token": both take "token".
    headers: { ...json, authorization: `token ${token}` },
    body: { state: GITHUB[s.state], context: target.context, target_url: s.url, description },
  };
}

export interface PostOutcome {
  ok: boolean;
  attempts: number;
  /** The last failure: an HTTP status and the start of its body, or the network error. */
  error?: string;
}

export interface RetryPolicy {
  attempts: number;
  /** Wait before retry n (1-based) is baseMs * 2^(n-1). */
  baseMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 1000, timeoutMs: 10_000 };

export async function postStatus(req: StatusRequest, retry: RetryPolicy = DEFAULT_RETRY): Promise<PostOutcome> {
  let error = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, retry.baseMs * 2 ** (attempt - 2)));
    try {
      const res = await fetch(req.url, {
        method: 'POST',
        headers: req.headers,
        body: JSON.stringify(req.body),
        signal: AbortSignal.timeout(retry.timeoutMs),
      });
      if (res.ok) {
        await res.body?.cancel();
        return { ok: true, attempts: attempt };
      }
      error = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      // A refusal (bad token, unknown commit) will not change on retry; a rate limit or an outage may.
      if (res.status < 500 && res.status !== 429) return { ok: false, attempts: attempt, error };
    } catch (err) {
      error = (err as Error).message;
    }
  }
  return { ok: false, attempts: retry.attempts, error };
}

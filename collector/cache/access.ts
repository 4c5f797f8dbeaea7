// Who may use which cache scope. A run token (minted for one pipeline run) reads and writes the
// scope of the pipeline, branch and namespace it was minted for, and reads the default branch's entries too, as GitHub
// lets a branch read its base's caches. The reader token reads any scope it names.
import type { FastifyRequest } from 'fastify';
import { verifyRunToken } from '../run-token.js';
import { bearer, isReaderToken } from '../auth.js';
import { RequestRejected } from '../errors.js';
import type { Store } from '../store/types.js';
import type { CacheScope } from './index-db.js';

export interface CacheAccess {
  /** Where a save goes (the run's own scope). */
  own: CacheScope;
  /** Where a restore looks, in order. */
  readable: CacheScope[];
}

const NAME = /^[A-Za-z0-9._/@:+-]{1,200}$/;

function checkName(what: string, v: string): string {
  if (!NAME.test(v))
    throw new RequestRejected(
      400,
      `cache ${what} ${JSON.stringify(v.slice(0, 50))} is not a valid name (letters, digits, ._/@:+-, at most 200)`,
    );
  return v;
}

/**
 * The cache scope's pipeline for a run: a namespaced run's pipeline is `NAMESPACE/PIPELINE`, so
 * pipelines of the same name in two namespaces share nothing (a Kubernetes name holds no `/`).
 */
export function scopePipeline(claims: { pipeline: string; namespace?: string }): string {
  return claims.namespace ? `${claims.namespace}/${claims.pipeline}` : claims.pipeline;
}

function scopes(pipeline: string, branch: string, defaultBranch: string): CacheScope[] {
  const own = { pipeline, branch };
  return branch === defaultBranch ? [own] : [own, { pipeline, branch: defaultBranch }];
}

export async function cacheAccess(
  req: FastifyRequest,
  o: { secret: string; readerToken: string; store: Store; defaultBranch: string },
  mode: 'read' | 'write',
): Promise<CacheAccess> {
  const token = bearer(req);
  if (!token) throw new RequestRejected(401, 'the cache needs a token: send "Authorization: Bearer <run token>"');
  const claims = req.runClaims ?? verifyRunToken(o.secret, token);
  if (claims !== null) {
    if (!(await o.store.getRun(claims.run))) {
      throw new RequestRejected(
        403,
        `run ${JSON.stringify(claims.run)} is not known to this collector; post its record (POST /v1/runs) before using the cache`,
      );
    }
    // The scope is the token's, fixed when it was minted: a record the run rewrote cannot move it.
    const pipeline = checkName('pipeline', scopePipeline(claims));
    const branch = checkName('branch', claims.branch ?? o.defaultBranch);
    return { own: { pipeline, branch }, readable: scopes(pipeline, branch, o.defaultBranch) };
  }
  if (!isReaderToken(token, o.readerToken))
    throw new RequestRejected(401, 'the token is neither a run token nor the reader token of this collector');
  if (mode === 'write')
    throw new RequestRejected(403, 'saving to the cache needs a run token; the reader token only reads');
  const q = req.query as Record<string, unknown>;
  if (typeof q.pipeline !== 'string')
    throw new RequestRejected(
      400,
      'reading the cache with the reader token needs ?pipeline=NAME (and optionally &branch=NAME)',
    );
  const pipeline = checkName('pipeline', q.pipeline);
  const branch = checkName('branch', typeof q.branch === 'string' ? q.branch : o.defaultBranch);
  return { own: { pipeline, branch }, readable: scopes(pipeline, branch, o.defaultBranch) };
}

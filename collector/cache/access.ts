// Who may use which cache scope. A run token (minted for one pipeline run) reads and writes the
// scope of its run's pipeline and branch, and reads the default branch's entries too, as GitHub
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

/** The branch of a run: its `branch` label, else its `branch` param, else the default branch. */
function branchOf(
  record: { labels?: Record<string, string>; params: Record<string, unknown> },
  defaultBranch: string,
): string {
  const param = record.params.branch;
  return record.labels?.branch ?? (typeof param === 'string' && param ? param : defaultBranch);
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
  const runId = verifyRunToken(o.secret, token);
  if (runId !== null) {
    const record = await o.store.getRun(runId);
    if (!record) {
      throw new RequestRejected(
        403,
        `run ${JSON.stringify(runId)} is not known to this collector; post its record (POST /v1/runs) before using the cache`,
      );
    }
    const pipeline = checkName('pipeline', record.name);
    const branch = checkName('branch', branchOf(record, o.defaultBranch));
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

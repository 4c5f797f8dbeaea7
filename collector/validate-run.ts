// Checks a run record body (POST /v1/runs, PATCH /v1/runs/{id}) enough that the store and the
// listing can rely on it: the fields we index and filter on, with their types.
import type { RunRecord } from '../contract/index.js';
import { RequestRejected } from './errors.js';
import { runBranch, type RunClaims } from './run-token.js';

const STATUSES = ['Queued', 'Running', 'Succeeded', 'Failed', 'TimedOut', 'Cancelled'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkRunRecord(body: unknown, where: string): RunRecord {
  const bad = (msg: string) => new RequestRejected(400, `${where}: ${msg}`);
  if (!isObject(body)) throw bad('the body must be a JSON run record object');
  for (const f of ['id', 'name', 'startedAt'] as const) {
    if (typeof body[f] !== 'string' || !body[f]) throw bad(`"${f}" must be a non-empty string`);
  }
  if ((body.id as string).length > 253) throw bad('"id" is longer than 253 characters');
  // Indexed columns: PostgreSQL's TEXT cannot hold NUL (the record itself, JSON, keeps any text).
  for (const f of ['id', 'name', 'startedAt', 'finishedAt'] as const) {
    if (typeof body[f] === 'string' && body[f].includes('\u0000')) throw bad(`"${f}" contains a NUL character`);
  }
  if (body.labels !== undefined) {
    if (!isObject(body.labels) || !Object.values(body.labels).every((v) => typeof v === 'string'))
      throw bad('"labels" must be an object of strings');
  }
  if (!STATUSES.includes(body.status as string)) throw bad(`"status" must be one of ${STATUSES.join(', ')}`);
  if (!Number.isFinite(Date.parse(body.startedAt as string))) throw bad('"startedAt" must be an ISO 8601 time');
  if (!isObject(body.params)) throw bad('"params" must be an object');
  if (!Array.isArray(body.tasks) || !body.tasks.every(isObject))
    throw bad('"tasks" must be an array of task run records');
  return body as unknown as RunRecord;
}

/** PATCH: the stored record with the body's top-level fields over it; the id cannot change. */
export function mergeRunPatch(stored: RunRecord, patch: unknown, id: string): RunRecord {
  if (!isObject(patch)) throw new RequestRejected(400, `PATCH /v1/runs/${id}: the body must be a JSON object`);
  if (patch.id !== undefined && patch.id !== id) {
    throw new RequestRejected(
      400,
      `PATCH /v1/runs/${id}: the body's id ${JSON.stringify(patch.id)} differs from the path's`,
    );
  }
  return checkRunRecord({ ...stored, ...patch, id }, `PATCH /v1/runs/${id}`);
}

/** A run's record must say what its token says: its pipeline, branch and namespace are fixed at mint. */
export function checkRecordClaims(record: RunRecord, claims: RunClaims, where: string): void {
  const refuse = (what: string, given: unknown, bound: string | undefined) =>
    new RequestRejected(
      403,
      `${where}: the record's ${what} ${JSON.stringify(given ?? null)} differs from the ${JSON.stringify(bound ?? null)} its run token was minted for; a run cannot change its ${what}`,
    );
  if (record.name !== claims.pipeline) throw refuse('pipeline (name)', record.name, claims.pipeline);
  if (runBranch(record) !== claims.branch) throw refuse('branch', runBranch(record), claims.branch);
  const ns = record.labels?.namespace;
  if (ns !== undefined && ns !== claims.namespace) throw refuse('namespace label', ns, claims.namespace);
}

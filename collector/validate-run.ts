// Checks a run record body (POST /v1/runs, PATCH /v1/runs/{id}) enough that the store and the
// listing can rely on it: the fields we index and filter on, with their types.
import type { RunRecord } from '../contract/index.js';
import { RequestRejected } from './errors.js';

const STATUSES = ['Running', 'Succeeded', 'Failed', 'TimedOut', 'Cancelled'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkRunRecord(body: unknown, where: string): RunRecord {
  const bad = (msg: string) => new RequestRejected(400, `${where}: ${msg}`);
  if (!isObject(body)) throw bad('the body must be a JSON run record object');
  for (const f of ['id', 'name', 'startedAt'] as const) {
    if (typeof body[f] !== 'string' || !body[f]) throw bad(`"${f}" must be a non-empty string`);
  }
  if ((body.id as string).length > 253) throw bad('"id" is longer than 253 characters');
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

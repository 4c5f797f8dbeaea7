// Opaque cursors: base64url text the client hands back. Decoding checks shape, so a forged or
// damaged cursor is a 400, never a query with garbage in it.
import { RequestRejected } from './errors.js';
import { followKey, type FollowPositions } from './follow.js';
import type { LogPosition } from './store/types.js';

const encode = (parts: (string | number)[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

const notACursor = (what: string) =>
  new RequestRejected(400, `${what}: not a cursor from this API; pass the "next" value of the previous page`);

function decode(cursor: string, what: string): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(v)) return v;
  } catch {
    /* reported below */
  }
  throw notACursor(what);
}

export const encodeRunCursor = (startedMs: number, id: string) => encode(['r', startedMs, id]);

export function decodeRunCursor(cursor: string): { startedMs: number; id: string } {
  const v = decode(cursor, 'cursor');
  if (v.length !== 3 || v[0] !== 'r' || !Number.isSafeInteger(v[1]) || typeof v[2] !== 'string')
    throw notACursor('cursor');
  return { startedMs: v[1] as number, id: v[2] as string };
}

export const encodeLogCursor = (p: LogPosition) => encode(['l', p.streamId, p.seq]);

export function decodeLogCursor(cursor: string): LogPosition {
  const v = decode(cursor, 'from');
  if (v.length !== 3 || v[0] !== 'l' || !Number.isSafeInteger(v[1]) || !Number.isSafeInteger(v[2]))
    throw notACursor('from');
  return { streamId: v[1] as number, seq: v[2] as number };
}

/** Every followed step's position: the SSE `id` of a follow, handed back as Last-Event-ID to resume. */
export function encodeFollowCursor(positions: FollowPositions): string {
  return encode(['f', ...[...positions].flatMap(([key, p]) => [...key.split('\u0000'), p.streamId, p.seq])]);
}

export function decodeFollowCursor(cursor: string): FollowPositions {
  const v = decode(cursor, 'Last-Event-ID');
  const ok = v[0] === 'f' && (v.length - 1) % 4 === 0 && v.length <= 1 + 4 * 10_000;
  const positions: FollowPositions = new Map();
  for (let i = 1; ok && i < v.length; i += 4) {
    const [task, step, streamId, seq] = v.slice(i, i + 4);
    if (
      typeof task !== 'string' ||
      typeof step !== 'string' ||
      !Number.isSafeInteger(streamId) ||
      !Number.isSafeInteger(seq)
    ) {
      throw notACursor('Last-Event-ID');
    }
    positions.set(followKey(task, step), { streamId: streamId as number, seq: seq as number });
  }
  if (!ok) throw notACursor('Last-Event-ID');
  return positions;
}

// The browser's side of the collector API: the reader token (from the URL fragment or the form,
// kept in sessionStorage) sent as a bearer header, JSON reads, and following a log over SSE with
// fetch (EventSource cannot send headers, and a token in the query string would end up in logs).
import type { RunRecord } from '../../../contract/index.js';
import { ReconnectPolicy, takeSseEvents } from '../../follow-client.js';

const TOKEN_KEY = 'kiln.readerToken';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RunSummary {
  id: string;
  pipeline: string;
  status: string;
  startedAt: string;
  finishedAt?: string | null;
}
export interface LogLine {
  task: string;
  step: string;
  stream: string;
  seq: number;
  time: number;
  text: string;
}

/** Takes `#token=…` out of the address (so it is not kept in history or shown), into sessionStorage. */
export function adoptTokenFromFragment(): void {
  const m = /^#token=([^&]*)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/');
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(t: string): void {
  sessionStorage.setItem(TOKEN_KEY, t.trim());
}
export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

function authHeaders(): HeadersInit {
  const t = getToken();
  return t ? { authorization: `Bearer ${t}` } : {};
}

async function failure(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    message = ((await res.json()) as { error?: string }).error ?? message;
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, message);
}

export function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: authHeaders(), signal });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { ...(authHeaders() as Record<string, string>), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export const api = {
  runs: (q: { pipeline?: string; status?: string; limit?: number; cursor?: string }) =>
    getJson<{ runs: RunSummary[]; next: string | null }>(`/v1/runs?${query(q)}`),
  run: (id: string) => getJson<RunRecord>(`/v1/runs/${encodeURIComponent(id)}`),
  logs: (id: string, q: { task?: string; step?: string; from?: string; limit?: number }) =>
    getJson<{ lines: LogLine[]; next: string | null }>(`/v1/runs/${encodeURIComponent(id)}/logs?${query(q)}`),
};

/** A follow stream that ended before its `event: end`: the collector went away, or the network. */
class StreamCut extends Error {}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Follows a log: calls onLine per `event: line` until `event: end` (resolves true) or the signal
 * aborts (resolves false). A stream cut before its end is reconnected with the last event's id, so
 * the collector goes on from there (onLine may see a line of a torn page again: the caller skips
 * what it has); `onState` says when it is reconnecting and when it follows again. Rejects on an
 * error answer, or after a minute without a collector.
 */
export async function followLogs(
  id: string,
  q: { task?: string; step?: string },
  onLine: (l: LogLine) => void,
  signal: AbortSignal,
  onState: (s: 'following' | 'reconnecting') => void = () => {},
): Promise<boolean> {
  const last = { eventId: '' };
  const retry = new ReconnectPolicy();
  for (;;) {
    try {
      return await followOnce(id, q, onLine, signal, last, () => {
        retry.connected();
        onState('following');
      });
    } catch (err) {
      if (signal.aborted) return false;
      // fetch rejects with a TypeError when it cannot connect at all.
      if (!(err instanceof StreamCut || err instanceof TypeError)) throw err;
      const delay = retry.failed();
      if (delay === null)
        throw new ApiError(0, 'lost the collector for a minute: turn follow on again once it is back');
      onState('reconnecting');
      await pause(delay, signal);
    }
  }
}

async function followOnce(
  id: string,
  q: { task?: string; step?: string },
  onLine: (l: LogLine) => void,
  signal: AbortSignal,
  last: { eventId: string },
  connected: () => void,
): Promise<boolean> {
  const headers: Record<string, string> = {
    ...(authHeaders() as Record<string, string>),
    ...(last.eventId ? { 'last-event-id': last.eventId } : {}),
  };
  const res = await fetch(`/v1/runs/${encodeURIComponent(id)}/logs?${query({ ...q, follow: 1 })}`, { headers, signal });
  if (!res.ok || !res.body) throw await failure(res);
  connected();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new StreamCut('the log stream closed before the log ended');
      const { events, rest } = takeSseEvents(buf + value);
      buf = rest;
      for (const ev of events) {
        if (ev.id) last.eventId = ev.id;
        if (ev.event === 'line') onLine(JSON.parse(ev.data) as LogLine);
        else if (ev.event === 'end') return true;
        else if (ev.event === 'error') throw new ApiError(500, (JSON.parse(ev.data) as { error: string }).error);
      }
    }
  } catch (err) {
    if (signal.aborted) return false;
    // A connection reset mid-stream surfaces as a TypeError from the reader: a cut like any other.
    throw err instanceof TypeError ? new StreamCut(err.message) : err;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

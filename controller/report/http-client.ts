// A collector's HTTP API from the controller's side: run records out (RunReporter), history and
// logs in (the CLI's commands).
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { request } from 'undici';
import { taskRunResultsPath } from '../../proto/results.js';
import type { StoredResultRef } from '../runtime/types.js';
import type { RunRecord } from '../spec/record.js';
import { CollectorRequestFailed, CollectorUnreachable } from './errors.js';
import type { FollowHooks, LogLine, LogPageAnswer, RunReader, RunSummaryAnswer, SearchHitAnswer, LogSelector } from './reader.js';

export class CollectorClient implements RunReader {
  constructor(readonly url: string, private readonly token?: string) {}

  private async call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, token = this.token): Promise<T> {
    let res;
    try {
      res = await request(new URL(path, this.url), {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CollectorUnreachable(this.url, err);
    }
    const text = await res.body.text();
    if (res.statusCode >= 300) {
      let detail = text;
      try { detail = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      throw new CollectorRequestFailed(method, path, res.statusCode, detail.slice(0, 500));
    }
    return JSON.parse(text) as T;
  }

  /**
   * A result a step stored (too large for its termination message), checked against the size and
   * digest its termination message gave.
   */
  async storedResult(run: string, taskRun: string, ref: StoredResultRef, runToken: string): Promise<string> {
    const path = `${taskRunResultsPath(run, taskRun)}/${encodeURIComponent(ref.name)}`;
    let res;
    try {
      res = await request(new URL(path, this.url), { headers: { authorization: `Bearer ${runToken}` } });
    } catch (err) {
      throw new CollectorUnreachable(this.url, err);
    }
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new CollectorRequestFailed('GET', path, res.statusCode, bytes.toString().slice(0, 500));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== ref.size || sha256 !== ref.sha256) {
      throw new Error(`the collector answered ${bytes.length} bytes hashing to ${sha256.slice(0, 12)}…, the step stored ${ref.size} hashing to ${ref.sha256.slice(0, 12)}…`);
    }
    return bytes.toString('utf8');
  }

  postRun(record: RunRecord, runToken: string): Promise<unknown> {
    return this.call('POST', '/v1/runs', record, runToken);
  }

  patchRun(record: Partial<RunRecord> & { id: string }, runToken: string): Promise<unknown> {
    return this.call('PATCH', `/v1/runs/${encodeURIComponent(record.id)}`, record, runToken);
  }

  async listRuns(q: { pipeline?: string; status?: string; limit?: number; cursor?: string }) {
    return this.call<{ runs: RunSummaryAnswer[]; next: string | null }>('GET', `/v1/runs?${query(q)}`);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    try {
      return await this.call<RunRecord>('GET', `/v1/runs/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof CollectorRequestFailed && err.status === 404) return null;
      throw err;
    }
  }

  readLogs(runId: string, sel: LogSelector & { from?: string; limit?: number; tail?: number }): Promise<LogPageAnswer> {
    return this.call('GET', `/v1/runs/${encodeURIComponent(runId)}/logs?${query(sel)}`);
  }

  async search(text: string, runId?: string): Promise<SearchHitAnswer[]> {
    return (await this.call<{ hits: SearchHitAnswer[] }>('GET', `/v1/search?${query({ q: text, run: runId })}`)).hits;
  }

  /**
   * Server-sent events of GET …/logs?follow=1, line by line, until the followed steps end. A
   * connection that breaks before the end (the collector restarted, the network dropped) is made
   * again with the last event's id, so no line is lost or printed twice; after `o.giveUpAfterMs`
   * without a working connection it fails.
   */
  async *followLogs(runId: string, sel: LogSelector, o: FollowHooks = {}): AsyncGenerator<LogLine> {
    const path = `/v1/runs/${encodeURIComponent(runId)}/logs?${query({ ...sel, follow: '1' })}`;
    const giveUpAfterMs = o.giveUpAfterMs ?? 60_000;
    const lastSeq = new Map<string, number>(); // per step: a resumed page may repeat lines of a torn one
    let lastEventId: string | undefined;
    let brokenSince: number | null = null;
    let backoffMs = 100;
    for (;;) {
      let failure: unknown;
      try {
        const res = await request(new URL(path, this.url), {
          headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          bodyTimeout: 0,
        });
        if (res.statusCode !== 200) throw new CollectorRequestFailed('GET', path, res.statusCode, (await res.body.text()).slice(0, 500));
        brokenSince = null;
        backoffMs = 100;
        for await (const ev of parseSse(res.body)) {
          if (ev.kind === 'end') return;
          if (ev.id) lastEventId = ev.id;
          const key = `${ev.line.task}\u0000${ev.line.step}`;
          if ((lastSeq.get(key) ?? -1) >= ev.line.seq) continue;
          lastSeq.set(key, ev.line.seq);
          yield ev.line;
        }
        failure = new Error('the event stream ended before the log did');
      } catch (err) {
        if (err instanceof CollectorRequestFailed) throw err; // an answer, not a lost connection
        failure = err;
      }
      brokenSince ??= Date.now();
      if (Date.now() - brokenSince > giveUpAfterMs) throw new CollectorUnreachable(this.url, failure);
      o.onReconnect?.(failure);
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 2000);
    }
  }
}

function query(q: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  return p.toString();
}

type SseEvent = { kind: 'line'; line: LogLine; id?: string } | { kind: 'end' };

/** The `line` and `end` events of an SSE body (other events and comments are skipped). */
async function* parseSse(body: AsyncIterable<Buffer>): AsyncGenerator<SseEvent> {
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a character
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.write(chunk);
    let sep;
    while ((sep = buf.indexOf('\n\n')) !== -1) {
      const event = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      const fields = new Map(event.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
      if (fields.get('event') === 'end') return yield { kind: 'end' };
      if (fields.get('event') === 'error') throw new CollectorRequestFailed('GET', 'follow', 500, fields.get('data') ?? '');
      if (fields.get('event') === 'line') yield { kind: 'line', line: JSON.parse(fields.get('data')!) as LogLine, id: fields.get('id') };
    }
  }
}

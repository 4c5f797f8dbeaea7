// A collector's HTTP API from the controller's side: run records out (RunReporter), history and
// logs in (the CLI's commands).
import { StringDecoder } from 'node:string_decoder';
import { request } from 'undici';
import type { RunRecord } from '../spec/record.js';
import { CollectorRequestFailed, CollectorUnreachable } from './errors.js';
import type { LogLine, LogPageAnswer, RunReader, RunSummaryAnswer, SearchHitAnswer, LogSelector } from './reader.js';

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

  /** Server-sent events of GET …/logs?follow=1, line by line, until the followed steps end. */
  async *followLogs(runId: string, sel: LogSelector): AsyncGenerator<LogLine> {
    const path = `/v1/runs/${encodeURIComponent(runId)}/logs?${query({ ...sel, follow: '1' })}`;
    let res;
    try {
      res = await request(new URL(path, this.url), { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, bodyTimeout: 0 });
    } catch (err) {
      throw new CollectorUnreachable(this.url, err);
    }
    if (res.statusCode !== 200) throw new CollectorRequestFailed('GET', path, res.statusCode, (await res.body.text()).slice(0, 500));
    yield* parseSse(res.body);
  }
}

function query(q: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  return p.toString();
}

/** The `line` events of an SSE body (other events and comments are skipped; `end` stops). */
async function* parseSse(body: AsyncIterable<Buffer>): AsyncGenerator<LogLine> {
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a character
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.write(chunk);
    let sep;
    while ((sep = buf.indexOf('\n\n')) !== -1) {
      const event = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      const fields = new Map(event.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
      if (fields.get('event') === 'end') return;
      if (fields.get('event') === 'error') throw new CollectorRequestFailed('GET', 'follow', 500, fields.get('data') ?? '');
      if (fields.get('event') === 'line') yield JSON.parse(fields.get('data')!) as LogLine;
    }
  }
}

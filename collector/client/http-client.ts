// A collector's HTTP API from the controller's side: run records out (RunReporter), history and
// logs in (the CLI's commands). Requests with an answer go through node:http, not fetch: every
// `kiln run` talks to its collector through this, and Node's fetch loads its undici on first use
// (≈20 ms of the CLI's start on a quiet machine, ≈50–65 ms CPU in a profile, on the way to the
// first task's start); node:http is loaded already (the embedded collector serves with it). The
// undici package was worse still (≈0.5 s over Node's start on the loaded 2-core machine). Following
// a log (SSE) keeps fetch's web stream: a command of its own, not on a run's path.
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import {
  type ApprovalRecord,
  type ApprovalRequest,
  type RunRecord,
  type StoredResultRef,
  taskRunResultsPath,
} from '../../contract/index.js';
import { ReconnectPolicy, SeenLines, takeSseEvents, type SseEvent } from '../follow-client.js';
import { CollectorRequestFailed, CollectorUnreachable } from './errors.js';
import type {
  FollowHooks,
  LogLine,
  LogPageAnswer,
  RunReader,
  RunSummaryAnswer,
  SearchHitAnswer,
  LogSelector,
} from './reader.js';

export class CollectorClient implements RunReader {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  /** One request; its body's bytes, or CollectorRequestFailed (with the answer's `error`) on a status ≥ 300. */
  private async fetchBytes(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    token = this.token,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    let status;
    let bytes;
    try {
      ({ status, bytes } = await send(new URL(path, this.url), method, {
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      }));
    } catch (err) {
      // As fetch does: an aborted request fails with the signal's reason.
      if (signal?.aborted) throw signal.reason ?? err;
      throw new CollectorUnreachable(this.url, err);
    }
    if (status >= 300) {
      let detail = bytes.toString();
      try {
        detail = (JSON.parse(detail) as { error?: string }).error ?? detail;
      } catch {
        /* not JSON */
      }
      throw new CollectorRequestFailed(method, path, status, detail.slice(0, 500));
    }
    return bytes;
  }

  private async call<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    token = this.token,
  ): Promise<T> {
    return JSON.parse((await this.fetchBytes(method, path, body, token)).toString()) as T;
  }

  /**
   * A result a step stored (too large for its termination message), checked against the size and
   * digest its termination message gave.
   */
  async storedResult(run: string, taskRun: string, ref: StoredResultRef, runToken: string): Promise<string> {
    const bytes = await this.fetchBytes(
      'GET',
      `${taskRunResultsPath(run, taskRun)}/${encodeURIComponent(ref.name)}`,
      undefined,
      runToken,
    );
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== ref.size || sha256 !== ref.sha256) {
      throw new Error(
        `the collector answered ${bytes.length} bytes hashing to ${sha256.slice(0, 12)}…, the step stored ${ref.size} hashing to ${ref.sha256.slice(0, 12)}…`,
      );
    }
    return bytes.toString('utf8');
  }

  /** Decides an approval gate (this client's token must be a named one). */
  decideApproval(run: string, task: string, body: ApprovalRequest): Promise<ApprovalAnswer> {
    return this.call('POST', approvalPath(run, task), body);
  }

  /** An approval gate's state; with `waitS`, held until it is decided or the run ends (at most that long). */
  async approval(run: string, task: string, o: { waitS?: number; token?: string; signal?: AbortSignal } = {}) {
    const path = `${approvalPath(run, task)}?wait=${o.waitS ?? 0}`;
    const bytes = await this.fetchBytes('GET', path, undefined, o.token ?? this.token, o.signal);
    return JSON.parse(bytes.toString()) as ApprovalAnswer;
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
    const retry = new ReconnectPolicy(o.giveUpAfterMs);
    const seen = new SeenLines();
    let lastEventId: string | undefined;
    for (;;) {
      let failure: unknown;
      try {
        // An idle stream gets a comment every 15 s, well inside fetch's 300 s between body chunks.
        const res = await fetch(new URL(path, this.url), {
          headers: {
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
        });
        if (res.status !== 200)
          throw new CollectorRequestFailed('GET', path, res.status, (await res.text()).slice(0, 500));
        retry.connected();
        if (!res.body) throw new Error('the event stream has no body');
        // Node's web streams are async iterable; the DOM typings do not say so.
        for await (const ev of sseEvents(res.body as unknown as AsyncIterable<Uint8Array>)) {
          if (ev.event === 'end') return;
          if (ev.event === 'error') throw new CollectorRequestFailed('GET', path, 500, ev.data);
          if (ev.id) lastEventId = ev.id;
          if (ev.event !== 'line') continue;
          const line = JSON.parse(ev.data) as LogLine;
          if (seen.isNew(line)) yield line;
        }
        failure = new Error('the event stream ended before the log did');
      } catch (err) {
        if (err instanceof CollectorRequestFailed) throw err; // an answer, not a lost connection
        failure = fetchFailure(err);
      }
      const delay = retry.failed();
      if (delay === null) throw new CollectorUnreachable(this.url, failure);
      o.onReconnect?.(failure);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function query(q: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  return p.toString();
}

const IDLE_LIMIT_MS = 300_000;

/** One request over node:http(s): the answer's status and whole body. */
function send(
  url: URL,
  method: string,
  o: { headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<{ status: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    // node:https (and TLS with it) is loaded for an https collector only: `kiln run`'s is http.
    const request = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : httpRequest;
    const req = request(url, { method, headers: o.headers, signal: o.signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // fetch's own limit (300 s without headers or a body chunk), so a collector that hangs still fails.
    req.setTimeout(IDLE_LIMIT_MS, () => req.destroy(new Error(`no answer in ${IDLE_LIMIT_MS / 1000} s`)));
    req.end(o.body);
  });
}

/** fetch says only "fetch failed": what failed (ECONNREFUSED, a reset) is its cause. */
function fetchFailure(err: unknown): unknown {
  return err instanceof TypeError && err.cause instanceof Error ? err.cause : err;
}

/** The events of an SSE body as they arrive. */
async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a character
  let buf = '';
  for await (const chunk of body) {
    const { events, rest } = takeSseEvents(buf + decoder.write(chunk));
    buf = rest;
    yield* events;
  }
}

/** What the collector answers about an approval gate. */
export interface ApprovalAnswer {
  run: string;
  runStatus: RunRecord['status'];
  task: string;
  status: string;
  approval: ApprovalRecord;
}

const approvalPath = (run: string, task: string) =>
  `/v1/runs/${encodeURIComponent(run)}/approvals/${encodeURIComponent(task)}`;

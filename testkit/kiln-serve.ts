// `kiln serve` as a child process for tests and benches: started in a scratch directory, its URL
// and reader token read once it listens; signed deliveries sent to it; a run waited for through
// the collector's follow stream (its `end` event), never on a timer.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../contract/index.js';
import { signDelivery, SOURCE_RULES, type Source } from '../triggers/index.js';
import { REPO } from './kiln-cli.js';

export interface KilnServe {
  url: string;
  token: string;
  child: ChildProcess;
  stderr(): string;
  /** Resolves once `text` has appeared on stderr. */
  stderrShows(text: string): Promise<void>;
  /** SIGTERM and wait; the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: no chance to write anything. */
  kill(): Promise<void>;
}

export async function startKilnServe(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<KilnServe> {
  const child = spawn(process.execPath, [join(REPO, 'bin/kiln.js'), 'serve', '--listen', '127.0.0.1:0', ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const waiters: { text: string; done: () => void }[] = [];
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.filter((w) => stderr.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done();
    }
  });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const stderrShows = (text: string) =>
    stderr.includes(text) ? Promise.resolve() : new Promise<void>((done) => waiters.push({ text, done }));
  const url = await Promise.race([
    stderrShows('kiln serve: listening on ').then(() => /listening on (\S+)/.exec(stderr)![1]!),
    exited.then((code) => {
      throw new Error(`kiln serve exited (${code}) before listening:\n${stderr}`);
    }),
  ]);
  return {
    url,
    token: readFileSync(join(opts.cwd, '.kiln', 'reader-token'), 'utf8').trim(),
    child,
    stderr: () => stderr,
    stderrShows,
    stop: () => (child.kill('SIGTERM'), exited),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * fetch, sent again once when the connection fails before an answer: a kept-alive socket the server
 * closes as the request leaves (likely on a loaded machine) is not the server's refusal. Deliveries
 * are safe to send twice (their id), as forges do; reads are.
 */
async function fetchOnce(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return fetch(url, init);
  }
}

export interface DeliveryOptions {
  source: Source;
  secret: string;
  event?: string;
  id?: string;
  body: unknown;
}

/** A webhook as the forge sends it: JSON body, event and delivery headers, signed with the secret. */
export async function deliver(
  url: string,
  trigger: string,
  o: DeliveryOptions,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify(o.body);
  const rules = SOURCE_RULES[o.source];
  const res = await fetchOnce(`${url}/v1/hooks/${trigger}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [rules.eventHeader]: o.event ?? (o.source === 'gitlab' ? 'Push Hook' : 'push'),
      ...(o.id ? { [rules.deliveryHeader]: o.id } : {}),
      ...signDelivery(o.source, raw, o.secret),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function getRun(s: { url: string; token: string }, id: string): Promise<RunRecord> {
  const res = await fetchOnce(`${s.url}/v1/runs/${id}`, { headers: { authorization: `Bearer ${s.token}` } });
  if (!res.ok) throw new Error(`GET /v1/runs/${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as RunRecord;
}

/**
 * Follows the run's logs until a line contains `line` (or, without it, until the run ends); then
 * its record. The collector ends the stream when the run has ended.
 */
export async function followRun(s: { url: string; token: string }, id: string, line?: string): Promise<RunRecord> {
  const ac = new AbortController();
  const res = await fetchOnce(`${s.url}/v1/runs/${id}/logs?follow=1`, {
    headers: { authorization: `Bearer ${s.token}` },
    signal: ac.signal,
  });
  if (!res.ok) throw new Error(`follow ${id}: ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (line !== undefined && text.includes(line)) break;
      if (text.includes('event: end')) break;
    }
  } finally {
    ac.abort();
  }
  return getRun(s, id);
}

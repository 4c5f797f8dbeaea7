// The collector as the entrypoint's ResultStore: PUT <url>/<name> with the run token, checking
// that what the collector kept is what was sent. undici is in the agent already (log proxy, cache).
// A collector that is restarting, or that has not seen the run record yet, is waited for a while:
// the step's result is not given up for a moment's outage.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { ResultNotStoredError } from '../errors.js';
import type { ResultStore } from './core.js';
import type { StoredResultRef } from '../../contract/index.js';

export interface RetryPolicy {
  /** Keep trying this long after the first failure. */
  forMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { forMs: 30_000, initialDelayMs: 200, maxDelayMs: 2000 };

/** An answer worth asking again: the collector is down or busy, or does not know the run yet. */
class Transient extends Error {}

export class HttpResultStore implements ResultStore {
  constructor(
    /** `<collector>/v1/runs/<run>/taskruns/<taskRun>/results`, as the runtime gives it. */
    private readonly url: string,
    private readonly tokenFile: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async put(name: string, value: string): Promise<StoredResultRef> {
    const bytes = Buffer.from(value);
    const ref = { name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    const target = `${this.url}/${encodeURIComponent(name)}`;
    const started = Date.now();
    for (let delay = this.retry.initialDelayMs; ; delay = Math.min(delay * 2, this.retry.maxDelayMs)) {
      try {
        await this.send(target, bytes, ref);
        return ref;
      } catch (err) {
        if (!(err instanceof Transient) || Date.now() - started + delay > this.retry.forMs) {
          throw new ResultNotStoredError(name, bytes.length, target, err);
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async send(target: string, bytes: Buffer, ref: StoredResultRef): Promise<void> {
    const token = readFileSync(this.tokenFile, 'utf8').trim();
    let res;
    try {
      res = await request(target, {
        method: 'PUT',
        body: bytes,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
    } catch (err) {
      throw new Transient((err as Error).message);
    }
    const text = await res.body.text();
    if (res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 404)
      throw new Transient(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    if (res.statusCode !== 201) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    let kept: { sha256?: unknown; size?: unknown } = {};
    try {
      kept = JSON.parse(text) as typeof kept;
    } catch {
      /* checked below */
    }
    if (kept.sha256 !== ref.sha256 || kept.size !== ref.size) {
      throw new Error(
        `the collector kept ${String(kept.size)} bytes hashing to ${String(kept.sha256)}, not what was sent`,
      );
    }
  }
}

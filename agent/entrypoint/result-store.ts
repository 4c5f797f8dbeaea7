// The collector as the entrypoint's ResultStore: PUT <url>/<name> with the run token, checking
// that what the collector kept is what was sent. undici is in the agent already (log proxy, cache).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { ResultNotStoredError } from '../errors.js';
import type { ResultStore } from './core.js';
import type { StoredResultRef } from './termination.js';

export class HttpResultStore implements ResultStore {
  constructor(
    /** `<collector>/v1/runs/<run>/taskruns/<taskRun>/results`, as the runtime gives it. */
    private readonly url: string,
    private readonly tokenFile: string,
  ) {}

  async put(name: string, value: string): Promise<StoredResultRef> {
    const bytes = Buffer.from(value);
    const ref = { name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    const target = `${this.url}/${encodeURIComponent(name)}`;
    const fail = (cause: unknown): never => {
      throw new ResultNotStoredError(name, bytes.length, target, cause);
    };
    let token = '';
    try {
      token = readFileSync(this.tokenFile, 'utf8').trim();
    } catch (err) {
      fail(err);
    }
    let res;
    try {
      res = await request(target, {
        method: 'PUT', body: bytes,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        headersTimeout: 30_000, bodyTimeout: 30_000,
      });
    } catch (err) {
      return fail(err);
    }
    const text = await res.body.text();
    if (res.statusCode !== 201) return fail(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
    let kept: { sha256?: unknown; size?: unknown } = {};
    try {
      kept = JSON.parse(text) as typeof kept;
    } catch { /* checked below */ }
    if (kept.sha256 !== ref.sha256 || kept.size !== ref.size) {
      return fail(new Error(`the collector kept ${String(kept.size)} bytes hashing to ${String(kept.sha256)}, not what was sent`));
    }
    return ref;
  }
}

// The collector as a cache store, over HTTP (undici, already in the agent for the log proxy).
// Save streams the archive as the request body while it is being written; restore streams the
// response into the extractor. Nothing is buffered whole.
import { PassThrough, type Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import {
  ARCHIVE_FORMATS,
  BLOB_MEDIA_TYPE,
  type BlobUploaded,
  CACHE_BLOBS_PATH,
  CACHE_ENTRIES_PATH,
  type CacheEntry,
  type CommitRequest,
  isDigest,
  type Lookup,
  MAX_RESTORE_KEYS,
} from '../../contract/cache/index.js';
import { CacheStoreError } from './errors.js';
import type { ArchiveWriter, CacheStore, NewEntry, SaveOutcome } from './store.js';

type Body = Awaited<ReturnType<typeof request>>['body'];

function asEntry(v: unknown): CacheEntry | null {
  const e = v as CacheEntry;
  const ok =
    e &&
    typeof e.key === 'string' &&
    typeof e.version === 'string' &&
    isDigest(e.digest) &&
    Number.isSafeInteger(e.size) &&
    ARCHIVE_FORMATS.includes(e.format) &&
    Number.isFinite(e.createdAt);
  return ok ? e : null;
}

export class HttpCacheStore implements CacheStore {
  private readonly base: string;

  constructor(
    url: string,
    private readonly token: string,
    /** undici's global pool when absent. */
    private readonly dispatcher?: Dispatcher,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  get location(): string {
    return this.base;
  }

  private call(
    path: string,
    o: { method?: 'GET' | 'POST' | 'PUT'; body?: string | Readable; headers?: Record<string, string> } = {},
  ) {
    return request(`${this.base}${path}`, {
      method: o.method ?? 'GET',
      body: o.body,
      dispatcher: this.dispatcher,
      headers: { authorization: `Bearer ${this.token}`, ...o.headers },
    });
  }

  private async fail(what: string, status: number, body: Body): Promise<never> {
    const text = (await body.text().catch(() => '')).slice(0, 500);
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      /* not JSON: keep the text */
    }
    throw new CacheStoreError(`${what}: HTTP ${status}${message ? `: ${message}` : ''}`, this.base, status);
  }

  async lookup(q: Lookup): Promise<CacheEntry | null> {
    const params = new URLSearchParams({ key: q.key, version: q.version });
    for (const r of q.restoreKeys.slice(0, MAX_RESTORE_KEYS)) params.append('restore', r);
    const res = await this.call(`${CACHE_ENTRIES_PATH}?${params}`);
    if (res.statusCode === 204) {
      await res.body.dump();
      return null;
    }
    if (res.statusCode !== 200) return this.fail('cache lookup', res.statusCode, res.body);
    const entry = asEntry(await res.body.json());
    if (!entry)
      throw new CacheStoreError('cache lookup: the collector answered an entry this agent cannot read', this.base);
    return entry;
  }

  async open(entry: CacheEntry): Promise<Readable> {
    const res = await this.call(`${CACHE_BLOBS_PATH}/${entry.digest}`);
    if (res.statusCode !== 200) return this.fail(`cache download of "${entry.key}"`, res.statusCode, res.body);
    return res.body;
  }

  async save(meta: NewEntry, write: ArchiveWriter): Promise<SaveOutcome> {
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    const upload = this.call(CACHE_BLOBS_PATH, { method: 'POST', body, headers: { 'content-type': BLOB_MEDIA_TYPE } });
    // An early answer (a 413, a 401) must stop the archiver, or it would wait on backpressure forever.
    const answered = upload.then(
      async (res) => {
        if (res.statusCode !== 201) {
          body.destroy(new CacheStoreError(`cache upload refused: HTTP ${res.statusCode}`, this.base, res.statusCode));
          return this.fail(`cache upload of "${meta.key}"`, res.statusCode, res.body);
        }
        return (await res.body.json()) as BlobUploaded;
      },
      (err) => {
        body.destroy(err);
        throw new CacheStoreError(
          `cache upload of "${meta.key}" failed: ${(err as Error).message}`,
          this.base,
          undefined,
          { cause: err },
        );
      },
    );
    let archived: { digest: string; size: number };
    try {
      archived = await write(body);
    } catch (err) {
      // A refused upload breaks the pipe; the collector's answer says why better than the pipe does.
      const refusal = await answered.then(
        () => null,
        (e: unknown) => e,
      );
      throw refusal ?? err;
    }
    const uploaded = await answered;
    if (uploaded.digest !== archived.digest || uploaded.size !== archived.size) {
      throw new CacheStoreError(
        `cache upload of "${meta.key}": the collector stored ${uploaded.size} bytes hashing to ${uploaded.digest}, the agent sent ${archived.size} hashing to ${archived.digest}`,
        this.base,
      );
    }
    const commit: CommitRequest = { ...meta, ...archived };
    const res = await this.call(CACHE_ENTRIES_PATH, {
      method: 'PUT',
      body: JSON.stringify(commit),
      headers: { 'content-type': 'application/json' },
    });
    if (res.statusCode === 409) {
      await res.body.dump();
      return { saved: false, reason: 'another run saved this key first' };
    }
    if (res.statusCode !== 201) return this.fail(`cache commit of "${meta.key}"`, res.statusCode, res.body);
    return { saved: true, entry: asEntry(await res.body.json()) ?? undefined };
  }
}

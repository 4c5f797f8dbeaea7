// Archives on the collector's disk, content-addressed: `<dir>/blobs/<sha256>`. An upload streams
// to `<dir>/tmp/` while it is hashed, then is renamed to its digest; the database never holds bytes.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KilnError } from '../../contract/index.js';
import { DigestStream, isDigest } from '../../contract/cache/index.js';

/** An upload past the per-entry limit; nothing of it is kept. */
export class BlobTooLarge extends KilnError {
  readonly code = 'cache-blob-too-large';
  constructor(readonly limit: number) {
    super(`cache archive over the ${limit}-byte limit`);
  }
}

/** How much of a refused upload is read and dropped so the client can still read the answer. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/** Reads the rest of a refused body into nothing; past DRAIN_LIMIT the connection is cut instead. */
function discardRest(body: Readable): void {
  let extra = 0;
  body.on('data', (chunk: Buffer) => {
    extra += chunk.length;
    if (extra > DRAIN_LIMIT) body.destroy();
  });
  body.resume();
}

export class BlobDir {
  private readonly blobs: string;
  private readonly tmp: string;

  constructor(readonly dir: string) {
    this.blobs = join(dir, 'blobs');
    this.tmp = join(dir, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.blobs, { recursive: true });
    await mkdir(this.tmp, { recursive: true });
  }

  path(digest: string): string {
    if (!isDigest(digest)) throw new Error(`not a digest: ${digest}`);
    return join(this.blobs, digest);
  }

  /** Stores a stream of at most maxBytes; throws BlobTooLarge past it (and keeps nothing). */
  async put(body: Readable, maxBytes: number): Promise<{ digest: string; size: number }> {
    const tmp = join(this.tmp, randomBytes(12).toString('hex'));
    const counter = new DigestStream(maxBytes);
    // The request is piped, not handed to pipeline(): pipeline would destroy it (and the socket)
    // on a refusal, and the client would see a broken pipe instead of the 413.
    const source = new PassThrough();
    body.on('error', (err) => source.destroy(err));
    body.pipe(source);
    try {
      await pipeline(source, counter, createWriteStream(tmp));
    } catch (err) {
      body.unpipe(source);
      discardRest(body);
      await rm(tmp, { force: true });
      if (counter.bytes > maxBytes) throw new BlobTooLarge(maxBytes);
      throw err;
    }
    const digest = counter.digest();
    await rename(tmp, this.path(digest)); // same digest, same bytes: replacing one is harmless
    return { digest, size: counter.bytes };
  }

  async size(digest: string): Promise<number | null> {
    return (await stat(this.path(digest)).catch(() => null))?.size ?? null;
  }

  open(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** Blobs older than `graceMs` that `isReferenced` disowns (uploads never committed), and stale temp files. */
  async sweep(isReferenced: (digest: string) => Promise<boolean>, now: number, graceMs: number): Promise<number> {
    let removed = 0;
    for (const [dir, check] of [
      [this.blobs, true],
      [this.tmp, false],
    ] as const) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const st = await stat(join(dir, name)).catch(() => null);
        if (!st || now - st.mtimeMs < graceMs) continue;
        if (check && isDigest(name) && (await isReferenced(name))) continue;
        await rm(join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

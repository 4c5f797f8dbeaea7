// The local engine's cache: a directory shared by every run on the machine.
//   blobs/<sha256>             archives, content-addressed
//   entries/<sha256(version, key)>.json   one immutable entry; its mtime is its last use
//   tmp/                       archives being written
// Every commit is a rename or a link, so two runs saving one key at once leave one whole entry:
// the first link wins, the second sees EEXIST. No lock, no index file to tear.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readFile, readdir, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  ARCHIVE_FORMATS,
  type CacheEntry,
  type EvictionLimits,
  isDigest,
  type Lookup,
  planEviction,
  selectEntry,
} from '../../contract/cache/index.js';
import type { ArchiveWriter, CacheStore, NewEntry, SaveOutcome } from './store.js';

/** Total bytes of archives kept (least recently used entries go first); entries unused maxAgeMs are removed. */
export type LocalLimits = EvictionLimits;

export const DEFAULT_LOCAL_LIMITS: LocalLimits = { maxBytes: 10 * 1024 ** 3, maxAgeMs: 7 * 24 * 3600 * 1000 };
/** A blob or temp file younger than this may belong to a save in progress: never swept. */
const GRACE_MS = 3600 * 1000;

const entryId = (version: string, key: string) => createHash('sha256').update(`${version}\0${key}`).digest('hex');

function parseEntry(text: string): CacheEntry | null {
  try {
    const e = JSON.parse(text) as CacheEntry;
    const ok =
      typeof e.key === 'string' &&
      typeof e.version === 'string' &&
      isDigest(e.digest) &&
      Number.isSafeInteger(e.size) &&
      ARCHIVE_FORMATS.includes(e.format) &&
      Number.isFinite(e.createdAt);
    return ok ? e : null;
  } catch {
    return null;
  }
}

interface StoredEntry {
  entry: CacheEntry;
  file: string;
  lastUsed: number;
}

export class LocalCacheStore implements CacheStore {
  private readonly blobs: string;
  private readonly entries: string;
  private readonly tmp: string;

  constructor(
    readonly location: string,
    private readonly limits: LocalLimits = DEFAULT_LOCAL_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.blobs = join(location, 'blobs');
    this.entries = join(location, 'entries');
    this.tmp = join(location, 'tmp');
  }

  private async init(): Promise<void> {
    await Promise.all([this.blobs, this.entries, this.tmp].map((d) => mkdir(d, { recursive: true })));
  }

  /** Every readable entry; unreadable files (a foreign or damaged JSON) are skipped. */
  async list(): Promise<StoredEntry[]> {
    const names = await readdir(this.entries).catch(() => [] as string[]);
    const out: StoredEntry[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.entries, name);
      const [text, st] = await Promise.all([readFile(file, 'utf8').catch(() => null), stat(file).catch(() => null)]);
      const entry = text === null ? null : parseEntry(text);
      if (entry && st) out.push({ entry, file, lastUsed: st.mtimeMs });
    }
    return out;
  }

  async lookup(q: Lookup): Promise<CacheEntry | null> {
    // The exact key wins whatever else there is, and its file name is known: one read on a hit,
    // not a read of every entry.
    const exact = await readFile(join(this.entries, `${entryId(q.version, q.key)}.json`), 'utf8').then(
      parseEntry,
      () => null,
    );
    if (exact && exact.key === q.key && exact.version === q.version) return exact;
    return selectEntry(
      (await this.list()).map((s) => s.entry),
      q,
    );
  }

  async open(entry: CacheEntry): Promise<Readable> {
    const blob = join(this.blobs, entry.digest);
    const stream = createReadStream(blob);
    await new Promise<void>((res, rej) => stream.once('open', () => res()).once('error', rej));
    const t = new Date(this.now());
    await utimes(join(this.entries, `${entryId(entry.version, entry.key)}.json`), t, t).catch(() => {});
    return stream;
  }

  async save(meta: NewEntry, write: ArchiveWriter): Promise<SaveOutcome> {
    await this.init();
    const entryFile = join(this.entries, `${entryId(meta.version, meta.key)}.json`);
    if (await stat(entryFile).catch(() => null)) return { saved: false, reason: 'the key already has an entry' };
    const tmpBlob = join(this.tmp, `blob-${randomBytes(8).toString('hex')}`);
    let archived: { digest: string; size: number };
    try {
      archived = await write(createWriteStream(tmpBlob));
    } catch (err) {
      await rm(tmpBlob, { force: true });
      throw err;
    }
    if (archived.size > this.limits.maxBytes) {
      await rm(tmpBlob, { force: true });
      return {
        saved: false,
        reason: `the archive is ${archived.size} bytes, over the cache's ${this.limits.maxBytes}-byte limit`,
      };
    }
    // Same digest, same bytes: a blob already there is as good as ours.
    await rename(tmpBlob, join(this.blobs, archived.digest));
    const entry: CacheEntry = { ...meta, ...archived, createdAt: this.now() };
    const tmpEntry = join(this.tmp, `entry-${randomBytes(8).toString('hex')}.json`);
    await writeFile(tmpEntry, JSON.stringify(entry));
    try {
      await link(tmpEntry, entryFile); // the commit point
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { saved: false, reason: 'another run saved this key first' };
    } finally {
      await unlink(tmpEntry).catch(() => {});
    }
    await this.evict();
    return { saved: true, entry };
  }

  /** Drops entries unused for maxAgeMs, then the least recently used until the blobs fit maxBytes. */
  async evict(): Promise<{ removed: string[] }> {
    const now = this.now();
    const all = await this.list();
    const plan = planEviction(
      all.map((s) => ({ id: s, digest: s.entry.digest, size: s.entry.size, lastUsed: s.lastUsed })),
      this.limits,
      now,
    );
    for (const s of plan.remove) await unlink(s.file).catch(() => {});
    // Freed blobs go now, whatever their age: that is what brings the total under the limit.
    for (const digest of plan.freed) await rm(join(this.blobs, digest), { force: true });
    const kept = new Set(all.filter((s) => !plan.remove.includes(s)).map((s) => s.entry.digest));
    await this.sweep(kept, now);
    return { removed: plan.remove.map((s) => s.entry.key) };
  }

  /** Removes blobs no entry references and abandoned temp files, past the grace period. */
  private async sweep(referenced: Set<string>, now: number): Promise<void> {
    const old = async (file: string) => ((await stat(file).catch(() => null))?.mtimeMs ?? now) < now - GRACE_MS;
    for (const name of await readdir(this.blobs).catch(() => [] as string[])) {
      const file = join(this.blobs, name);
      if (!referenced.has(name) && (await old(file))) await rm(file, { force: true });
    }
    for (const name of await readdir(this.tmp).catch(() => [] as string[])) {
      const file = join(this.tmp, name);
      if (await old(file)) await rm(file, { force: true });
    }
  }
}

// Archives: tar (node-tar) through the format's compressor, hashed as the bytes go by. Both
// directions stream: memory stays bounded by the stream buffers whatever the tree's size.
//
// Layout: path i of the entry's path list is stored under `<i>/…`, so a restore can put each
// path back wherever it resolves now (another workspace, another HOME). A restore extracts into
// a staging directory beside each target and moves it into place only once the whole archive has
// hashed to the recorded digest: a corrupt or truncated entry is never extracted into the tree.
//
// A small entry is restored in memory and synchronously instead: read whole, its digest checked
// before anything is extracted, then unpacked with blocking calls. node-tar's streaming unpacker
// makes each of its several calls per file a trip through libuv's thread pool (≈0.3 ms apiece at
// rest, more under load): the example's 3 KB node_modules, restored in a fresh process at load
// ≈ 10, took 23 ms wall / 21 ms CPU streamed against 16 / 12 in memory (the rest is mostly
// node-tar's code compiling on first use; docs/cache.md). The bound keeps the blocked time short for `kiln-agent host`, whose one event loop runs other task runs'
// steps and log shipping beside this one.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, sep } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pack, Unpack, UnpackSync, type ReadEntry, type WriteEntry } from 'tar';
import { compressor, decompressor, decompressSync } from './codec.js';
import { DigestStream, type ArchiveFormat } from '../../contract/cache/index.js';
import { CacheEntryCorruptError } from './errors.js';
import { alreadyInPlace } from './in-place.js';

/**
 * When a restore is done in memory (see above): at most this many stored bytes, read whole, and
 * at most this many once decompressed. Every tar entry takes a 512-byte header at least, so the
 * second bound caps the blocking unpack at 128 entries (each ≈0.2–0.6 ms of file calls here, the
 * more under load): a small stored entry of many tiny files, or one that inflates far, streams.
 */
export interface InMemoryBounds {
  stored: number;
  tar: number;
}

export const IN_MEMORY_RESTORE: InMemoryBounds = { stored: 64 * 1024, tar: 64 * 1024 };

const rel = (absolute: string) => absolute.slice(1); // archives are written from `/`

/** Roots that sit inside another root are covered by it: archiving them twice would double the entry. */
function outermost(roots: (string | null)[]): (string | null)[] {
  return roots.map((r, i) =>
    r !== null && roots.some((o, j) => o !== null && j !== i && (r.startsWith(o + sep) || (o === r && j < i)))
      ? null
      : r,
  );
}

/**
 * Writes the archive of `roots` (absolute paths; null for a path left out) to `sink`.
 * Answers the stored bytes' digest and size.
 */
export async function writeArchive(
  roots: (string | null)[],
  format: ArchiveFormat,
  sink: Writable,
): Promise<{ digest: string; size: number }> {
  const kept = outermost(roots);
  const names = kept.map((r) => (r === null ? null : rel(r)));
  const mapPath = (p: string): string => {
    const i = names.findIndex((n) => n !== null && (p === n || p.startsWith(n + '/')));
    return i < 0 ? p : `${i}${p.slice(names[i]!.length)}`;
  };
  const pack = new Pack({
    cwd: '/',
    onWriteEntry: (entry: WriteEntry) => {
      // tar keeps whole seconds and should truncate, as GNU tar does; Node's Stats.mtime rounds to
      // the millisecond, so a file written in a second's last half-millisecond would come back
      // stamped one second later.
      if (entry.stat) entry.mtime = new Date(Math.floor(entry.stat.mtimeMs));
      entry.path = mapPath(entry.path);
      if (entry.type === 'Link' && entry.linkpath) entry.linkpath = mapPath(entry.linkpath);
    },
  });
  for (const n of names) if (n !== null) pack.add(n);
  pack.end();
  const digest = new DigestStream();
  const codec = compressor(format);
  await pipeline([pack as unknown as Readable, ...(codec ? [codec] : []), digest, sink]);
  return { digest: digest.digest(), size: digest.bytes };
}

/** Writes each chunk to every unpacker, waiting for all of them to drain. */
function fanOut(unpacks: Unpack[], failed: () => Error | null): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, done) {
      const err = failed();
      if (err) return done(err);
      const waits = unpacks
        .filter((u) => !u.write(chunk))
        .map((u) => new Promise<void>((res) => u.once('drain', () => res())));
      if (waits.length === 0) return done(failed());
      Promise.all(waits).then(() => done(failed()), done);
    },
  });
}

/** The file-system calls moveInto needs: the promise API, or the blocking one for an in-memory restore. */
interface MoveFs {
  lstat(p: string): Promise<Stats | null>;
  readdir(p: string): Promise<string[]>;
  rm(p: string): Promise<void>;
  rename(src: string, dst: string): Promise<void>;
}

const asyncMoveFs: MoveFs = {
  lstat: (p) => lstat(p).catch(() => null),
  readdir: (p) => readdir(p),
  rm: (p) => rm(p, { recursive: true, force: true }),
  rename: (a, b) => rename(a, b),
};

/** Removes a file or a tree with blocking calls (fs.rmSync's first recursive use, which loads its
 * walker, measured ≈1 ms more than a hand-written walk: not worth one). */
const removeTreeSync = (path: string) => rmSync(path, { recursive: true, force: true, maxRetries: 3 });

const syncMoveFs: MoveFs = {
  lstat: async (p) => lstatSync(p, { throwIfNoEntry: false }) ?? null,
  readdir: async (p) => readdirSync(p),
  rm: async (p) => removeTreeSync(p),
  rename: async (a, b) => renameSync(a, b),
};

/** Moves `src` to `dst`, merging into an existing directory tree (restored files win). */
async function moveInto(src: string, dst: string, f: MoveFs): Promise<void> {
  const [s, d] = await Promise.all([f.lstat(src), f.lstat(dst)]);
  if (d && s?.isDirectory() && d.isDirectory()) {
    for (const name of await f.readdir(src)) await moveInto(join(src, name), join(dst, name), f);
    return;
  }
  if (d) await f.rm(dst);
  await f.rename(src, dst);
}

export interface ExtractResult {
  bytes: number;
  /** Nothing was extracted: the entry's tree was already at the targets (in-place.ts). */
  inPlace?: boolean;
}

type EntryMeta = { format: ArchiveFormat; digest: string; size: number; key: string };

const undecodable = (entry: EntryMeta, err: unknown) =>
  new CacheEntryCorruptError(
    `cache entry "${entry.key}" does not decode: ${(err as Error).message}`,
    entry.key,
    entry.digest,
  );

function checkDigest(entry: EntryMeta, got: string, bytes: number): void {
  if (got !== entry.digest || bytes !== entry.size) {
    throw new CacheEntryCorruptError(
      `cache entry "${entry.key}" is corrupt: ${bytes} bytes hashing to ${got.slice(0, 12)}…, expected ${entry.size} bytes hashing to ${entry.digest.slice(0, 12)}…`,
      entry.key,
      entry.digest,
    );
  }
}

/** One staging directory beside each target, and node-tar's options for target i's. */
class Staging {
  readonly dirs: string[] = [];
  // Unpack opens files with the entry's mode and the process umask applies: put back what it cut.
  private readonly umask = process.umask();
  readonly modeFixes: { path: string; mode: number }[] = [];

  unpackOptions(i: number) {
    const cwd = this.dirs[i]!;
    return {
      cwd,
      strict: true,
      preserveOwner: false,
      filter: (p: string) => p === `${i}` || p.startsWith(`${i}/`),
      onReadEntry: (e: ReadEntry) => {
        if (e.mode && e.type !== 'SymbolicLink' && e.mode & this.umask)
          this.modeFixes.push({ path: join(cwd, e.path), mode: e.mode & 0o7777 });
      },
    };
  }

  /** Puts back the modes the umask cut, then moves each target's staged path into place. */
  async finish(targets: string[], f: MoveFs, chmod: (path: string, mode: number) => Promise<void>): Promise<void> {
    for (const m of this.modeFixes.reverse()) await chmod(m.path, m.mode);
    for (let i = 0; i < targets.length; i++) {
      const restored = join(this.dirs[i]!, `${i}`);
      if (await f.lstat(restored)) await moveInto(restored, targets[i]!, f);
    }
  }
}

/**
 * Extracts an archive written by writeArchive into `targets` (absolute; target i receives path i).
 * Throws CacheEntryCorruptError, leaving the targets untouched, when the bytes do not match.
 * `inMemory`: the bounds of an in-memory restore (tests set them both ways).
 */
export async function extractArchive(
  source: Readable,
  entry: EntryMeta,
  targets: string[],
  inMemory: InMemoryBounds = IN_MEMORY_RESTORE,
): Promise<ExtractResult> {
  if (entry.size > inMemory.stored) return extractStreaming(source, entry, targets);
  const stored = await readWhole(source, entry);
  checkDigest(entry, createHash('sha256').update(stored).digest('hex'), stored.length);
  let tarBytes: Buffer | null;
  try {
    tarBytes = decompressSync(entry.format, stored, inMemory.tar);
  } catch (err) {
    throw undecodable(entry, err);
  }
  // Over the bound once decompressed: the streaming path, from the bytes already read (and checked).
  if (!tarBytes) return extractStreaming(Readable.from([stored]), entry, targets);
  if (alreadyInPlace(tarBytes, targets)) return { bytes: stored.length, inPlace: true };
  const staging = new Staging();
  try {
    extractInMemory(tarBytes, entry, targets, staging);
    await staging.finish(targets, syncMoveFs, async (p, mode) => chmodSync(p, mode));
    return { bytes: stored.length };
  } finally {
    for (const d of staging.dirs) removeTreeSync(d);
  }
}

/** The whole stored entry; more bytes than its recorded size is corruption, found before they pile up. */
async function readWhole(source: Readable, entry: EntryMeta): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > entry.size) throw new Error(`more than the expected ${entry.size} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    source.destroy();
    throw undecodable(entry, err);
  }
  return Buffer.concat(chunks, bytes);
}

/** Unpacks checked, decompressed bytes with blocking calls into the staging directories. */
function extractInMemory(tarBytes: Buffer, entry: EntryMeta, targets: string[], staging: Staging): void {
  for (const t of targets) {
    mkdirSync(dirname(t), { recursive: true });
    staging.dirs.push(mkdtempSync(join(dirname(t), '.kiln-restore-')));
  }
  targets.forEach((_, i) => {
    let failure: Error | null = null;
    const u = new UnpackSync(staging.unpackOptions(i));
    u.on('error', (e: Error) => (failure ??= e));
    try {
      u.end(tarBytes);
    } catch (err) {
      failure ??= err as Error;
    }
    if (failure) throw undecodable(entry, failure);
  });
}

/** Streams the archive through its digest and decompressor into every target's unpacker at once. */
async function extractStreaming(source: Readable, entry: EntryMeta, targets: string[]): Promise<ExtractResult> {
  const staging = new Staging();
  try {
    for (const t of targets) {
      await mkdir(dirname(t), { recursive: true });
      staging.dirs.push(await mkdtemp(join(dirname(t), '.kiln-restore-')));
    }
    let failure: Error | null = null;
    const unpacks = targets.map((_, i) => {
      const u = new Unpack(staging.unpackOptions(i));
      const done = new Promise<void>((res, rej) => {
        u.on('error', (e: Error) => {
          failure ??= e;
          rej(e);
        });
        u.on('close', () => res());
      });
      done.catch(() => {}); // observed through `failure` and the await below
      return { u, done };
    });
    const digest = new DigestStream(entry.size);
    const codec = decompressor(entry.format);
    try {
      await pipeline([
        source,
        digest,
        ...(codec ? [codec] : []),
        fanOut(
          unpacks.map((x) => x.u),
          () => failure,
        ),
      ]);
      for (const { u } of unpacks) u.end();
      await Promise.all(unpacks.map((x) => x.done));
    } catch (err) {
      // Let every unpacker finish what it started before the staging directories are removed.
      for (const { u } of unpacks) u.end();
      await Promise.allSettled(unpacks.map((x) => x.done));
      throw undecodable(entry, err);
    }
    checkDigest(entry, digest.digest(), digest.bytes);
    await staging.finish(targets, asyncMoveFs, (p, mode) => chmod(p, mode));
    return { bytes: digest.bytes };
  } finally {
    await Promise.all(staging.dirs.map((s) => rm(s, { recursive: true, force: true, maxRetries: 3 })));
  }
}

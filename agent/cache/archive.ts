// Archives: tar (node-tar) through the format's compressor, hashed as the bytes go by. Both
// directions stream: memory stays bounded by the stream buffers whatever the tree's size.
//
// Layout: path i of the entry's path list is stored under `<i>/…`, so a restore can put each
// path back wherever it resolves now (another workspace, another HOME). A restore extracts into
// a staging directory beside each target and moves it into place only once the whole archive has
// hashed to the recorded digest: a corrupt or truncated entry is never extracted into the tree.
import { chmod, mkdir, mkdtemp, readdir, rename, rm, lstat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pack, Unpack, type ReadEntry, type WriteEntry } from 'tar';
import { compressor, decompressor } from './codec.js';
import { DigestStream, type ArchiveFormat } from '../../contract/cache/index.js';
import { CacheEntryCorruptError } from './errors.js';

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

/** Moves `src` to `dst`, merging into an existing directory tree (restored files win). */
async function moveInto(src: string, dst: string): Promise<void> {
  const [s, d] = await Promise.all([lstat(src), lstat(dst).catch(() => null)]);
  if (d && s.isDirectory() && d.isDirectory()) {
    for (const name of await readdir(src)) await moveInto(join(src, name), join(dst, name));
    return;
  }
  if (d) await rm(dst, { recursive: true, force: true });
  await rename(src, dst);
}

export interface ExtractResult {
  bytes: number;
}

/**
 * Extracts an archive written by writeArchive into `targets` (absolute; target i receives path i).
 * Throws CacheEntryCorruptError, leaving the targets untouched, when the bytes do not match.
 */
export async function extractArchive(
  source: Readable,
  entry: { format: ArchiveFormat; digest: string; size: number; key: string },
  targets: string[],
): Promise<ExtractResult> {
  const stagings: string[] = [];
  try {
    for (const t of targets) {
      await mkdir(dirname(t), { recursive: true });
      stagings.push(await mkdtemp(join(dirname(t), '.kiln-restore-')));
    }
    // Unpack opens files with the entry's mode and the process umask applies: put back what it cut.
    const umask = process.umask();
    const modeFixes: { path: string; mode: number }[] = [];
    let failure: Error | null = null;
    const unpacks = targets.map((_, i) => {
      const u = new Unpack({
        cwd: stagings[i],
        strict: true,
        preserveOwner: false,
        filter: (p: string) => p === `${i}` || p.startsWith(`${i}/`),
        onReadEntry: (e: ReadEntry) => {
          if (e.mode && e.type !== 'SymbolicLink' && e.mode & umask)
            modeFixes.push({ path: join(stagings[i], e.path), mode: e.mode & 0o7777 });
        },
      });
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
      throw new CacheEntryCorruptError(
        `cache entry "${entry.key}" does not decode: ${(err as Error).message}`,
        entry.key,
        entry.digest,
      );
    }
    const got = digest.digest();
    if (got !== entry.digest || digest.bytes !== entry.size) {
      throw new CacheEntryCorruptError(
        `cache entry "${entry.key}" is corrupt: ${digest.bytes} bytes hashing to ${got.slice(0, 12)}…, expected ${entry.size} bytes hashing to ${entry.digest.slice(0, 12)}…`,
        entry.key,
        entry.digest,
      );
    }
    for (const f of modeFixes.reverse()) await chmod(f.path, f.mode);
    for (let i = 0; i < targets.length; i++) {
      const restored = join(stagings[i], `${i}`);
      if (await lstat(restored).catch(() => null)) await moveInto(restored, targets[i]);
    }
    return { bytes: digest.bytes };
  } finally {
    await Promise.all(stagings.map((s) => rm(s, { recursive: true, force: true, maxRetries: 3 })));
  }
}

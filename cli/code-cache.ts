// A V8 code cache for the CLI bundle. Node 20 caches no compiled code between runs, and compiling
// the ≈3 MB bundle was ≈120 ms of every `kiln` start. The launcher (cli/launch.ts) compiles the
// bundle with the cached data of an earlier run of the same command; a missing, stale or corrupt
// cache is ignored (the bundle then compiles from source, as without one) and rewritten when the
// process ends. Nothing here may fail a run: every error reading or writing the cache is dropped.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';

/** "KLNC" + version 1: a file of another format (or another version of this one) is not ours. */
const MAGIC = 0x4b4c4e01;
/** magic, payload length, payload CRC-32: a truncated or altered file is told before V8 sees it. */
const HEADER = 12;
/** Caches of other builds are removed when a cache is written and they have not been written for a day. */
const STALE_MS = 24 * 3600_000;

/** Where the caches live: $KILN_CODE_CACHE_DIR, else $XDG_CACHE_HOME/kiln/code-cache, else ~/.cache/kiln/code-cache. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.KILN_CODE_CACHE_DIR !== undefined) return env.KILN_CODE_CACHE_DIR === '' ? null : env.KILN_CODE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kiln', 'code-cache');
}

/**
 * The cache file of one bundle (named by its content hash: another build never reads it) and one
 * command (each command compiles different functions; `--version` would leave `run`'s out).
 */
export function codeCacheFile(dir: string, bundleHash: string, command: string | undefined): string {
  const name = command && /^[a-z][a-z-]{0,31}$/.test(command) ? command : 'other';
  return join(dir, `${bundleHash}-${name}.v8`);
}

/** The cached data in `file`, or undefined when it is missing or not intact. */
export function readCodeCache(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER || bytes.readUInt32LE(0) !== MAGIC) return undefined;
  const payload = bytes.subarray(HEADER);
  if (payload.length !== bytes.readUInt32LE(4) || crc32(payload) !== bytes.readUInt32LE(8)) return undefined;
  return payload;
}

/** Writes `data` to `file` whole or not at all (a reader never sees half a file). */
export function writeCodeCache(file: string, data: Buffer, dir: string): void {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(data.length, 4);
  header.writeUInt32LE(crc32(data), 8);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, Buffer.concat([header, data]));
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory could not be made: there is no file to remove
    }
    return;
  }
  pruneOtherBuilds(dir, basename(file).split('-')[0]!);
}

/** Each build writes its own files (a new hash): those of builds no longer run would pile up. */
function pruneOtherBuilds(dir: string, bundleHash: string): void {
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!name.startsWith(`${bundleHash}-`) && statSync(path).mtimeMs < Date.now() - STALE_MS)
        rmSync(path, { force: true });
    }
  } catch {
    // another kiln pruning the same directory, or it went away: nothing to do
  }
}

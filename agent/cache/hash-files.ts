// hashFiles(globs…): SHA-256 over the contents of the matched files, taken in sorted path order,
// like GitHub Actions' hashFiles (each file hashed, then the digests hashed together) so a key
// changes exactly when a matched file's bytes do. Patterns are relative to the workspace;
// `!pattern` excludes. No match is an error: an empty key part would match unrelated projects.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheKeyError } from '../../contract/cache/index.js';
import { HashFilesNoMatchError } from './errors.js';
import { globBase, globToRegExp, isGlob } from './glob.js';

const HASH_CHUNK = 256 * 1024;

/** A walk that would visit more entries than this is a mistake (a glob rooted at a huge tree). */
export const MAX_WALK_ENTRIES = 1_000_000;

function checkPattern(p: string): void {
  const bare = p.startsWith('!') ? p.slice(1) : p;
  if (!bare || bare.startsWith('/') || bare.split('/').includes('..')) {
    throw new CacheKeyError(
      `hashFiles pattern "${p}" must be a non-empty path relative to the workspace`,
      p,
      "write it relative to the workspace root, e.g. hashFiles('**/package-lock.json')",
    );
  }
}

/** Workspace-relative paths of the regular files the patterns select, sorted. */
export async function matchFiles(workspace: string, patterns: string[]): Promise<string[]> {
  patterns.forEach(checkPattern);
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)));
  const found = new Set<string>();
  // A pattern without wildcards names one file (`package-lock.json`): a stat, not a walk of the
  // workspace, which holds the very node_modules the key is for.
  const literal = include.filter((p) => !isGlob(p));
  for (const p of literal) {
    // Kept as written (`./a`, `a//b`), as the walk from their literal directory names them.
    if (exclude.some((re) => re.test(p))) continue;
    if ((await stat(join(workspace, p)).catch(() => null))?.isFile()) found.add(p);
  }
  const matchers = include.filter((p) => isGlob(p)).map((p) => ({ re: globToRegExp(p), base: globBase(p) }));
  let visited = 0;
  const walk = async (rel: string, wanted: RegExp[]): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(workspace, rel), { withFileTypes: true });
    } catch {
      return; // a base directory that does not exist matches nothing
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++visited > MAX_WALK_ENTRIES) {
        throw new CacheKeyError(
          `hashFiles walked over ${MAX_WALK_ENTRIES} entries under ${workspace}`,
          patterns.join(','),
          'narrow the glob (e.g. package-lock.json instead of **/package-lock.json)',
        );
      }
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      // Symlinked directories are not descended (no cycles); a symlink to a file counts as the file.
      if (entry.isDirectory()) {
        await walk(childRel, wanted);
        continue;
      }
      const isFile =
        entry.isFile() ||
        (entry.isSymbolicLink() && (await stat(join(workspace, childRel)).catch(() => null))?.isFile());
      if (isFile && wanted.some((re) => re.test(childRel)) && !exclude.some((re) => re.test(childRel)))
        found.add(childRel);
    }
  };
  // Walk each distinct literal base once, testing only the patterns rooted there.
  const byBase = new Map<string, RegExp[]>();
  for (const m of matchers) byBase.set(m.base, [...(byBase.get(m.base) ?? []), m.re]);
  for (const [base, res] of byBase) {
    const st = base ? await stat(join(workspace, base)).catch(() => null) : null;
    if (st?.isFile()) {
      if (res.some((re) => re.test(base))) found.add(base);
      continue;
    }
    await walk(base, res);
  }
  return [...found].sort();
}

/**
 * A file's digest, read in chunks through one handle: bounded memory for a large file, and for the
 * usual lock file one read, without the stream machinery (≈8 ms of a step's start compiling it).
 */
export async function sha256File(file: string): Promise<Buffer> {
  const h = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, HASH_CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return h.digest();
}

/** The hex digest hashFiles() puts in a key. */
export async function hashFiles(workspace: string, patterns: string[]): Promise<string> {
  const files = await matchFiles(workspace, patterns);
  if (files.length === 0) throw new HashFilesNoMatchError(patterns, workspace);
  const all = createHash('sha256');
  for (const f of files) all.update(await sha256File(join(workspace, f)));
  return all.digest('hex');
}

// Whether a small entry's tree is already in place: every file, directory and link of the archive
// at its target with the type, mode, size, modification time (whole seconds, as tar keeps it) and
// link target the archive gives. An in-memory restore (archive.ts) then extracts nothing: the
// merge it would do leaves exactly that tree (restored entries replace theirs; anything else at
// the targets stays either way). examples/node-app restores its node_modules over the one the
// previous run restored: extracting its 10 entries again and moving them into place made its
// restore 22 ms, 10 ms with this comparison (one lstat an entry; medians of 9 runs). As with make's
// and rsync's quick check, content rewritten in place at the same size with the old time put back
// (`touch -r`) is not seen; a hard link in the archive, or an entry the comparison cannot read,
// means extracting as usual.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';

interface Expected {
  path: string;
  type: string;
  mode: number;
  size: number;
  mtimeS: number | undefined;
  linkpath: string;
}

/** The archive's entries (node-tar's parser, synchronous on a buffer). */
function entriesOf(tarBytes: Buffer): Expected[] | null {
  const entries: Expected[] = [];
  let failed = false;
  const parser = new Parser({
    strict: true,
    onReadEntry: (e: ReadEntry) => {
      entries.push({
        path: e.path,
        type: e.type,
        mode: (e.mode ?? 0) & 0o7777,
        size: e.size ?? 0,
        mtimeS: e.mtime ? Math.floor(e.mtime.getTime() / 1000) : undefined,
        linkpath: e.linkpath ?? '',
      });
      e.resume();
    },
  });
  parser.on('error', () => (failed = true));
  try {
    parser.end(tarBytes);
  } catch {
    return null;
  }
  return failed ? null : entries;
}

/** Whether what is at `target` is the entry `e`. */
function matches(e: Expected, target: string): boolean {
  const st = lstatSync(target, { throwIfNoEntry: false });
  if (!st) return false;
  // A directory that exists is merged into, its own mode and time left as they are.
  if (e.type === 'Directory') return st.isDirectory();
  if (e.type === 'SymbolicLink') return st.isSymbolicLink() && readlinkSync(target) === e.linkpath;
  if (e.type === 'File' || e.type === 'OldFile' || e.type === 'ContiguousFile')
    return (
      st.isFile() &&
      st.size === e.size &&
      (st.mode & 0o7777) === e.mode &&
      e.mtimeS !== undefined &&
      Math.floor(st.mtimeMs / 1000) === e.mtimeS
    );
  return false; // hard links, devices, anything else: extracted as usual
}

/**
 * Whether every entry of the archive (path i of its list under `<i>/`, as writeArchive lays it
 * out) is already at targets[i]: see above. False when in doubt.
 */
export function alreadyInPlace(tarBytes: Buffer, targets: string[]): boolean {
  const entries = entriesOf(tarBytes);
  if (!entries || entries.length === 0) return false;
  try {
    return entries.every((e) => {
      const m = /^(\d+)(?:\/(.*))?$/.exec(e.path.replace(/\/$/, ''));
      const target = m ? targets[Number(m[1])] : undefined;
      if (target === undefined) return false;
      return matches(e, m![2] ? join(target, m![2]) : target);
    });
  } catch {
    return false;
  }
}

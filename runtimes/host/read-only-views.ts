// A Task workspace's `readOnly` on the host engine outside its sandbox. One directory may back a
// read-only workspace and a writable one at once (two workspaces bound to one claim), so the
// directory itself cannot be locked (and root ignores its mode anyway). Instead, each read-only
// workspace gets a view: an empty directory of the task run over which a light bubblewrap wrapper
// around each step's command binds the workspace read-only. The steps' `$(workspaces.w.path)` is the
// view; everything else is the host as it is (`--dev-bind / /`: same paths, processes, network),
// so only the write to a read-only workspace changes: it fails, as on a Pod.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface ReadOnlyViews {
  /** Every workspace's directory as the steps see it: a read-only one's view, the others' own. */
  dirs: Record<string, string>;
  /** The views to make before the steps start. */
  made: string[];
  /** A step's `entrypoint` args (`… -entrypoint PROGRAM -- ARGS`) with bwrap as its program. */
  wrap(args: string[]): string[];
}

/** Where a task run shows read-only workspace `name` (under its own directory). */
const viewOf = (taskRunDir: string, name: string) => join(taskRunDir, 'read-only', name);

export function readOnlyViews(
  taskRunDir: string,
  hostDirs: Record<string, string>,
  readOnly: readonly string[],
): ReadOnlyViews | undefined {
  if (readOnly.length === 0 || !bubblewrapBindsHere()) return undefined;
  const binds = readOnly.map((name) => ['--ro-bind', hostDirs[name]!, viewOf(taskRunDir, name)]);
  const flags = ['--dev-bind', '/', '/', ...binds.flat(), '--die-with-parent', '--'];
  return {
    dirs: { ...hostDirs, ...Object.fromEntries(readOnly.map((name) => [name, viewOf(taskRunDir, name)])) },
    made: readOnly.map((name) => viewOf(taskRunDir, name)),
    wrap: (args) => {
      const at = args.indexOf('--');
      return [...args.slice(0, at - 1), 'bwrap', '--', ...flags, args[at - 1]!, ...args.slice(at + 1)];
    },
  };
}

let works: boolean | undefined;

/** Whether bwrap can make its mount namespace here, asked once per process. */
function bubblewrapBindsHere(): boolean {
  works ??= spawnSync('bwrap', ['--dev-bind', '/', '/', 'true'], { stdio: 'ignore' }).status === 0;
  return works;
}

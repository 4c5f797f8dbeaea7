// What Tekton shows a step read-only, on the host engine outside its sandbox: a Task workspace
// declared `readOnly`, and the other steps' run directories (Tekton's /tekton/run/<j> and
// /tekton/steps/<j>: post file, exit code). A light bubblewrap wrapper around the step's command
// binds them read-only; everything else is the host as it is (`--dev-bind / /`: same paths,
// processes, network), so only a write to them changes: it fails, as on a Pod.
// One directory may back a read-only workspace and a writable one at once (two workspaces bound to
// one claim), so the workspace's directory itself cannot be locked (and root ignores its mode):
// each read-only workspace gets a view, an empty directory of the task run the wrapper binds it at,
// and the steps' `$(workspaces.w.path)` is the view. Another step's run directory is bound in place,
// and only for a step that names it (the others run unwrapped, as before).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kilnPaths } from '../../contract/index.js';
import type { ResolvedStep } from '../../engine/index.js';

export interface ReadOnlyViews {
  /** Every workspace's directory as the steps see it: a read-only one's view, the others' own. */
  dirs: Record<string, string>;
  /** The views to make before the steps start. */
  made: string[];
  /** The binds of the views: [host directory, view]. */
  binds: [string, string][];
}

/** Where a task run shows read-only workspace `name` (under its own directory). */
const viewOf = (taskRunDir: string, name: string) => join(taskRunDir, 'read-only', name);

/** The views of the read-only workspaces, when there are some and bwrap works here. */
export function readOnlyViews(
  taskRunDir: string,
  hostDirs: Record<string, string>,
  readOnly: readonly string[],
): ReadOnlyViews | undefined {
  if (readOnly.length === 0 || !bubblewrapBindsHere()) return undefined;
  const views = readOnly.map((name) => [name, viewOf(taskRunDir, name)] as const);
  return {
    dirs: { ...hostDirs, ...Object.fromEntries(views) },
    made: views.map(([, view]) => view),
    binds: views.map(([name, view]) => [hostDirs[name]!, view]),
  };
}

export interface ReadOnlyWrapper {
  /** The run directories some step names, made before the steps start (bwrap binds only what exists). */
  dirs: string[];
  /**
   * Step `i`'s `entrypoint` args (`… -entrypoint PROGRAM -- ARGS`) with bwrap as its program,
   * binding the views and the run directories of the other steps it names read-only; the args as
   * they are when there is nothing to bind.
   */
  wrap(i: number, args: string[]): string[];
}

/** `count`: the steps and sidecars of the task run (each has a run directory). */
export function readOnlyWrapper(
  taskRunDir: string,
  views: ReadOnlyViews | undefined,
  steps: readonly ResolvedStep[],
  count: number,
): ReadOnlyWrapper {
  const runDirs = Array.from({ length: count }, (_, j) => kilnPaths(taskRunDir).stepDir(j));
  const named = steps.map((step, i) => {
    const text = JSON.stringify(step);
    if (!text.includes(kilnPaths(taskRunDir).runDir)) return [];
    return runDirs.filter((dir, j) => j !== i && new RegExp(`${escape(dir)}(?![\\w.-])`).test(text));
  });
  const guarded = named.some((dirs) => dirs.length) && bubblewrapBindsHere();
  return {
    dirs: guarded ? [...new Set(named.flat())] : [],
    wrap: (i, args) => {
      const binds = [...(views?.binds ?? []), ...(guarded ? named[i]!.map((d): [string, string] => [d, d]) : [])];
      if (binds.length === 0) return args;
      const at = args.indexOf('--');
      const program = args[at - 1]!;
      return [...args.slice(0, at - 1), 'bwrap', '--', ...bwrapFlags(binds), '--', program, ...args.slice(at + 1)];
    },
  };
}

/**
 * What a sidecar's agent and its exec probes run under outside the sandbox: the same light wrapper
 * around the whole process, binding the read-only views (a sidecar names no other step's run
 * directory); none without views. Its texts name the views, as the steps' do.
 */
export function viewsPrefix(views: ReadOnlyViews | undefined): string[] {
  if (!views?.binds.length) return [];
  return ['bwrap', ...bwrapFlags(views.binds), '--'];
}

/** bubblewrap's flags for one process: the whole file system as it is, `binds` read-only over it. */
function bwrapFlags(binds: readonly (readonly [string, string])[]): string[] {
  return ['--dev-bind', '/', '/', ...binds.flatMap(([from, at]) => ['--ro-bind', from, at]), '--die-with-parent'];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let works: boolean | undefined;

/** Whether bwrap can make its mount namespace here, asked once per process. */
export function bubblewrapBindsHere(): boolean {
  works ??= spawnSync('bwrap', ['--dev-bind', '/', '/', 'true'], { stdio: 'ignore' }).status === 0;
  return works;
}

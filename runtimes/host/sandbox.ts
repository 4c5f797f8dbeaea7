// The bubblewrap sandbox a task run's processes run in under --isolate, and what the runtime's agent
// argv tells apart (its own log proxy, run in the host runner rather than as a process).
import { lstatSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { KILN_ROOT, kilnPaths, workspacePath } from '../../contract/index.js';
import type { TaskRunPlan } from '../../engine/index.js';
import { sandboxArgv, type HostRootEntry } from './commands.js';

export function hostRootEntries(): HostRootEntry[] {
  return readdirSync('/').map((name) => {
    const st = lstatSync(`/${name}`);
    return st.isSymbolicLink() ? { name, link: readlinkSync(`/${name}`) } : { name };
  });
}

/**
 * The bwrap argv prefix of a process of the task run at root that sees the workspaces hostDirs.
 * `otherSteps`: the indexes of the steps whose run directories (`/kiln/run/<j>`: post file, exit
 * code) it sees read-only, as Tekton mounts another step's /tekton/run/<j> and /tekton/steps/<j>.
 */
export function taskRunSandbox(
  o: { hostRoot: HostRootEntry[]; agent: string[]; cacheDir?: string },
  root: string,
  hostDirs: Record<string, string>,
  readOnlyWorkspaces: string[],
  { otherSteps = [], tmp, ...where }: { cwd: string; makeCwd: boolean; otherSteps?: number[]; tmp?: string },
): string[] {
  const binds = Object.fromEntries(Object.entries(hostDirs).map(([name, dir]) => [workspacePath(name), dir]));
  // A sidecar's /tmp, shared with its probes' sandboxes (a directory of the task run) instead of a tmpfs of its own.
  if (tmp) binds['/tmp'] = tmp;
  const stepDirs = otherSteps.map((j) => [kilnPaths(KILN_ROOT).stepDir(j), kilnPaths(root).stepDir(j)] as const);
  for (const [inside, host] of stepDirs) binds[inside] = host;
  if (o.cacheDir) {
    // The cache outlives runs: bind it at the same path inside (bwrap needs it to exist).
    mkdirSync(o.cacheDir, { recursive: true });
    binds[o.cacheDir] = o.cacheDir;
  }
  const readOnly = o.agent.filter((part) => isAbsolute(part));
  const readOnlyBinds = [...readOnlyWorkspaces.map(workspacePath), ...stepDirs.map(([inside]) => inside)];
  return sandboxArgv({ hostRoot: o.hostRoot, taskRunDir: root, binds, readOnlyBinds, readOnly, ...where });
}

/** argv's arguments after `COMMAND` when argv runs the agent's (argv prefix `agent`) COMMAND; else undefined. */
export function agentCommandArgs(agent: string[], argv: string[], command: string): string[] | undefined {
  const n = agent.length;
  const same = argv.length > n && argv[n] === command && agent.every((part, i) => argv[i] === part);
  return same ? argv.slice(n + 1) : undefined;
}

/** The task's workspaces its Task declares `readOnly`: the sandbox binds them read-only. */
export const readOnlyWorkspacesOf = (plan: TaskRunPlan) => plan.workspaces.filter((w) => w.readOnly).map((w) => w.name);

// What the podman runtime reads back of Tekton's sidecars in a playable Pod, which the pod builder
// runs under the agent (runtimes/kubernetes/sidecars.ts: the step after the last in the layout).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ERR_SUFFIX, KILN_ROOT, kilnPaths } from '../../contract/index.js';

const P = kilnPaths(KILN_ROOT);
/** The pod builder's volume at /kiln/run (post files, exit codes): a host directory on podman. */
export const RUN_VOLUME = 'kiln-run';
/** A path under /kiln/run as the host sees it, in the directory mounted there. */
export const onHost = (runDir: string, path: string) => join(runDir, relative(P.runDir, path));

/**
 * The code a sidecar's own command ended with: the agent's exitCode file, in the host directory
 * mounted at /kiln/run (the agent itself exits 0 once it has posted).
 */
export async function sidecarExitCode(runDir: string, index: number): Promise<number | undefined> {
  const text = await readFile(onHost(runDir, P.exitCodeFile(index)), 'utf8').catch(() => '');
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/** A sidecar killed before its agent posted: the `.err` twin, so the log proxy calls its spool complete. */
export async function markUnposted(runDir: string, index: number): Promise<void> {
  const post = onHost(runDir, P.postFile(index));
  if (existsSync(post) || existsSync(post + ERR_SUFFIX)) return;
  await mkdir(dirname(post), { recursive: true });
  await writeFile(post + ERR_SUFFIX, '');
}

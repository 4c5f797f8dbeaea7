// Tekton's sidecars in a playable Pod, run by the agent as the host engine runs them (its output
// shipped by the log proxy as step `sidecar-NAME`), and what the runtime reads back of them.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { V1PodSpec } from '@kubernetes/client-node';
import {
  entrypointArgv,
  ERR_SUFFIX,
  KILN_ROOT,
  kilnPaths,
  LOG_PROXY_FLAGS,
  TERMINATION_PATH,
} from '../../contract/index.js';

/**
 * Each Tekton sidecar of a playable Pod run by the agent, as the host engine runs it: `kiln-agent
 * entrypoint` with no wait file, its output spooled as the step after the last one (`sidecar-NAME`),
 * which the log proxy is told to ship too; SIGTERM reaches the sidecar through the agent. The agent
 * and its run, log and results directories are mounted as a step has them.
 */
export function underAgent(spec: V1PodSpec, steps: number, logProxy: string, probed: readonly boolean[]): void {
  const step = spec.containers[0]!;
  const kilnMounts = (step.volumeMounts ?? []).filter((m) => KILN_MOUNTS.has(m.mountPath));
  const sidecars = spec.containers.slice(steps).filter((c) => c.name !== logProxy);
  sidecars.forEach((c, j) => {
    c.command = entrypointArgv({
      agent: [P.agent],
      paths: P,
      index: steps + j,
      stepName: c.name,
      onError: 'continue',
      terminationPath: TERMINATION_PATH,
      results: [],
      noWait: true,
      // One without probes is ready once settled, as on the host engine (SIDECAR_SETTLE).
      settledFile: probed[j] ? undefined : P.settledFile(steps + j),
      command: [...c.command!, ...(c.args ?? [])],
    });
    delete c.args;
    c.terminationMessagePath = TERMINATION_PATH;
    c.terminationMessagePolicy = 'File';
    c.volumeMounts = [...kilnMounts, ...(c.volumeMounts ?? [])];
  });
  const proxy = spec.containers.find((c) => c.name === logProxy)?.command;
  const at = proxy?.indexOf(LOG_PROXY_FLAGS.steps) ?? -1;
  if (at >= 0) proxy![at + 1] = [proxy![at + 1], ...sidecars.map((c) => c.name)].join(',');
}

const P = kilnPaths(KILN_ROOT);
/** The pod builder's volume at /kiln/run (post files, exit codes): a host directory on podman. */
export const RUN_VOLUME = 'kiln-run';
const KILN_MOUNTS = new Set([P.binDir, P.libDir, P.runDir, P.resultsDir, P.logDir]);
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

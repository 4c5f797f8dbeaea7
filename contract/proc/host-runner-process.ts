// The `kiln-agent host` process of a local run, found and started the one way by the host runtime
// and by kiln run's launcher (cli/early-runner.ts), which starts it before the CLI itself has loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_RUNNER_COMMAND } from '../index.js';

/** kiln-agent in a package's dist/: its single executable, else `node agent.cjs`; undefined when neither is there. */
export function agentInDist(dist: string, execPath: string = process.execPath): string[] | undefined {
  const exe = join(dist, 'kiln-agent');
  if (existsSync(exe)) return [exe];
  const bundle = join(dist, 'agent.cjs');
  return existsSync(bundle) ? [execPath, bundle] : undefined;
}

/** `kiln-agent host` (agent: the argv prefix that runs kiln-agent), its stdio piped. */
export function spawnHostRunner(agent: string[], env: Record<string, string | undefined>): ChildProcess {
  const [exe, ...args] = agent;
  return spawn(exe!, [...args, HOST_RUNNER_COMMAND], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
    // Its own process group: Ctrl-C in the terminal reaches kiln run, which decides what stops.
    detached: true,
  });
}

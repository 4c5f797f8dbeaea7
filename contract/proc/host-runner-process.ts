// The `kiln-agent host` process of a local run, started the one way by the host runtime and by
// kiln run's launcher (cli/early-runner.ts), which starts it before the CLI itself has loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { HOST_RUNNER_COMMAND } from '../index.js';

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

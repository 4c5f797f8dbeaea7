// `kiln-agent host`: every step and the log shipping of a local run's task runs, in this one
// process (contract/host-runner.ts). Commands come on stdin, events go to stdout. When stdin
// closes, the runtime is gone: every step is stopped as its agent would stop it on its parent's
// death (SIGTERM to the step, then to everything carrying its run marker; SIGKILL after the grace).
import { createInterface } from 'node:readline';
import { encodeHostMessage, type HostCommand, type HostEvent, type HostPreload } from '../../contract/index.js';
import { signalMarked } from '../../contract/proc/index.js';
import { AgentUsageError } from '../errors.js';
import { HostTaskRun } from './task-run.js';

/** Exit code when the runtime went away with steps still going, as an agent stopped by SIGTERM. */
const ORPHANED_EXIT = 143;

/**
 * Evaluates the parts' modules now (a step's first use would otherwise, on its task's critical
 * path: the cache's ≈30 ms of node-tar and codecs). A failure here is left for that use to report.
 */
function preload(parts: HostPreload[]): void {
  if (parts.includes('cache')) import('../cache/step.js').catch(() => undefined);
}

export async function hostCommand(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new AgentUsageError(`kiln-agent host takes no arguments (got ${argv[0]})`, argv[0]!);
  const live = new Map<string, HostTaskRun>();
  const emit = (e: HostEvent) => process.stdout.write(encodeHostMessage(e));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const command = JSON.parse(line) as HostCommand;
    if (command.op === 'start') {
      const run = new HostTaskRun(command.taskRun, command.steps, command.logProxy, emit, process.stdout, {
        holdLogs: command.holdLogs,
      });
      live.set(command.taskRun, run);
      void run.done.then(() => live.delete(command.taskRun));
    } else if (command.op === 'signal') live.get(command.taskRun)?.signal(command.signal, command.steps);
    else if (command.op === 'stop-logs') live.get(command.taskRun)?.stopLogs();
    else if (command.op === 'ship-logs') live.get(command.taskRun)?.shipLogs();
    else if (command.op === 'preload') preload(command.parts);
  }
  if (live.size === 0) return 0;
  // The runtime is gone (kiln run SIGKILLed, or it closed us with work left): nothing outlives it.
  const runs = [...live.values()];
  for (const run of runs) {
    run.signal('SIGTERM');
    if (run.marker) signalMarked(run.marker, 'SIGTERM');
  }
  const killRest = () => runs.forEach((run) => run.marker && signalMarked(run.marker, 'SIGKILL'));
  process.once('exit', killRest);
  const grace = Math.max(...runs.map((r) => r.graceMs));
  await Promise.race([Promise.all(runs.map((r) => r.done)), new Promise((r) => setTimeout(r, grace).unref())]);
  return ORPHANED_EXIT;
}

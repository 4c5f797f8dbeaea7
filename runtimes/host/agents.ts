// A task run's step agents, as the host runtime starts them: each a `kiln-agent entrypoint` process
// of its own (in a bubblewrap sandbox), or all inside the runtime's `kiln-agent host`. Either way
// the runtime hears each step's output, each agent's end, and signals them as one.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HostStep } from '../../contract/index.js';
import type { HostRunner } from './host-runner.js';
import type { HostedLogProxy } from './log-proxy-sidecar.js';
import { LineSplitter } from './lines.js';

export interface StepAgents {
  /** Signals the agents (all, or those listed), as the runtime signals an agent's process group. */
  signal(signal: NodeJS.Signals, steps?: number[]): void;
}

export interface AgentEvents {
  /** A step's output, one line at a time. */
  line(step: number, stream: 'stdout' | 'stderr', line: string): void;
  /** A step's agent ended (after the last of its output). */
  ended(step: number, code: number | null, signal: string | null, spawnError?: string): void;
}

/** One process per step (argvs[i], in its own process group). */
export function spawnAgents(
  argvs: string[][],
  launches: { cwd: string; env: Record<string, string | undefined> }[],
  events: AgentEvents,
): StepAgents {
  const children = argvs.map((argv, i) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: launches[i]!.cwd,
      env: launches[i]!.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a cancel reaches the agent (and in a sandbox, all of it).
      detached: true,
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter((line) => events.line(i, stream, line));
      child[stream]!.on('data', (chunk: Buffer) => splitter.push(chunk));
      child[stream]!.on('end', () => splitter.end());
    }
    child.once('error', (err) => events.ended(i, null, null, err.message));
    child.once('close', (code, signal) => events.ended(i, code, signal));
    return child;
  });
  return {
    signal: (signal, steps) => children.forEach((c, i) => (!steps || steps.includes(i)) && signalGroup(c, signal)),
  };
}

/** Every step (and the log proxy, when given) inside the runtime's `kiln-agent host`. */
export function hostedAgents(
  runner: HostRunner,
  taskRun: string,
  steps: HostStep[],
  /** hold: its shipping waits for a `ship-logs` command (log-order.ts). */
  proxy: { args: string[]; shipping: HostedLogProxy; hold: boolean } | undefined,
  events: AgentEvents & { warn(line: string): void },
): StepAgents {
  const splitters = steps.map((_, i) =>
    Object.fromEntries(
      (['stdout', 'stderr'] as const).map((s) => [s, new LineSplitter((line) => events.line(i, s, line))]),
    ),
  );
  const exited = steps.map(() => false);
  const end = (i: number, code: number | null, signal: string | null) => {
    if (exited[i]) return;
    exited[i] = true;
    splitters[i]!.stdout!.end();
    splitters[i]!.stderr!.end();
    events.ended(i, code, signal);
  };
  runner.send(
    { op: 'start', taskRun, steps, ...(proxy && { logProxy: proxy.args }), ...(proxy?.hold && { holdLogs: true }) },
    {
      out: (i, stream, data) => splitters[i]?.[stream]?.pushText(data),
      exit: end,
      logs: (code) => proxy?.shipping.ended(code),
      warn: events.warn,
      // Every agent ended with the runner, as the agents of a pod with their container.
      lost: (code, signal) => {
        steps.forEach((_, i) => end(i, code, signal));
        proxy?.shipping.ended(null);
      },
    },
  );
  return {
    signal: (signal, only) => {
      if (signal !== 'SIGTERM' && signal !== 'SIGKILL') throw new Error(`cannot send ${signal} to a hosted step`);
      runner.send({ op: 'signal', taskRun, signal, ...(only && { steps: only }) });
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// `kiln-agent host`: the host engine's one agent process per run. A pod needs an agent per
// container; on the host, the same sequencing (wait for the previous post file, run, write out or
// out.err, exit code, results, termination message) and the same log shipping run for every step
// of every task run in one process, so a step costs a spawn of its command instead of a Node start.
// The runtime talks to it over stdin (commands) and stdout (events), one JSON object a line.
// Its stdin closing means the runtime is gone: it stops every step, as an agent whose parent died.

export const HOST_RUNNER_COMMAND = 'host';

/** One step as its own agent would have started: the entrypoint flags, the directory and environment. */
export interface HostStep {
  /** `kiln-agent entrypoint`'s arguments (entrypointArgv without the agent and the command name). */
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

export type HostCommand =
  /** Starts a task run's steps (and its log shipping: logProxyArgv's arguments after `log-proxy`). */
  | { op: 'start'; taskRun: string; steps: HostStep[]; logProxy?: string[] }
  /**
   * Acts as that signal to the steps' agents (all, or those listed): a waiting step ends at once
   * (as a signalled agent would, writing nothing); a running step's command gets it; SIGKILL ends
   * the steps at once and kills their commands' groups.
   */
  | { op: 'signal'; taskRun: string; signal: 'SIGTERM' | 'SIGKILL'; steps?: number[] }
  /** Stops the task run's log shipping (what was not delivered is reported as by the log proxy). */
  | { op: 'stop-logs'; taskRun: string }
  /**
   * Loads the code of the parts named now, while the runner waits for its first task run, rather
   * than on a step's first use of it: sent at the start when the run's plan uses them. No event.
   */
  | { op: 'preload'; parts: HostPreload[] };

/** What a `preload` command may name: `cache`, the dependency cache's restore and save (agent/cache). */
export type HostPreload = 'cache';

export type HostEvent =
  /** Output a step wrote (also in its spool); `data` is whole UTF-8 characters. */
  | { ev: 'out'; taskRun: string; step: number; stream: 'stdout' | 'stderr'; data: string }
  /** A step's agent ended: the exit code its own process would have had, or the signal. */
  | { ev: 'exit'; taskRun: string; step: number; code: number | null; signal: string | null }
  /** The task run's log shipping ended: the log proxy's exit code. */
  | { ev: 'logs'; taskRun: string; code: number | null }
  /** A line of the log shipping's own (the log proxy's stderr). */
  | { ev: 'warn'; taskRun: string; line: string };

export const encodeHostMessage = (m: HostCommand | HostEvent): string => `${JSON.stringify(m)}\n`;

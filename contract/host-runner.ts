// `kiln-agent host`: the host engine's one agent process per run. A pod needs an agent per
// container; on the host, the same sequencing (wait for the previous post file, run, write out or
// out.err, exit code, results, termination message) and the same log shipping run for every step
// of every task run in one process, so a step costs a spawn of its command instead of a Node start.
// The runtime talks to it over stdin (commands) and stdout (events), one JSON object a line; an
// `out` event's line is followed by its bytes as they are (HostEventReader), not a JSON string:
// escaping and parsing 64 MB of a step's output cost the runner ≈ 0.35 s and `kiln run` ≈ 0.3 s.
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
  /**
   * Starts a task run's steps (and its log shipping: logProxyArgv's arguments after `log-proxy`).
   * With holdLogs the shipping sends nothing until a `ship-logs` command: task runs reported ended
   * before their logs were in deliver theirs first, so that a run's logs reach the collector task by
   * task (its `kiln logs` lists steps in the order their streams first came).
   */
  | { op: 'start'; taskRun: string; steps: HostStep[]; logProxy?: string[]; holdLogs?: boolean }
  /** Lets a task run started with holdLogs ship its logs. */
  | { op: 'ship-logs'; taskRun: string }
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

/** An `out` event as written: its line says how many bytes follow it. */
type OutHeader = Omit<Extract<HostEvent, { ev: 'out' }>, 'data'> & { bytes: number };

/** An `out` event on the wire: its line, then `data` (whole UTF-8 characters) as they are. */
export function encodeHostOut(
  taskRun: string,
  step: number,
  stream: 'stdout' | 'stderr',
  data: Uint8Array,
): [string, Uint8Array] {
  const header: OutHeader = { ev: 'out', taskRun, step, stream, bytes: data.length };
  return [`${JSON.stringify(header)}\n`, data];
}

/** Where `bytes` ends on whole UTF-8 characters: before a last character whose bytes are not all there. */
export function wholeCharsEnd(bytes: Uint8Array): number {
  const n = bytes.length;
  // A lead byte within the last three bytes starts a character that may be cut.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if (b < 0x80) return n; // ASCII: nothing pending after it
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > back ? n - back : n;
    }
  }
  return n; // continuation bytes only: not a character kept whole here
}

const NEWLINE = 0x0a;
/** An event line longer than this is not the runner speaking (its lines are short JSON). */
const MAX_EVENT_LINE = 1024 * 1024;

/** A runner's stdout that breaks the protocol. */
export class HostProtocolError extends Error {}

/**
 * Reads kiln-agent host's events from its stdout as it arrives: JSON lines, an `out` event's bytes
 * taken after its line. JSON text holds no raw newline, so a line ends at the first one, found in
 * the bytes (readline's regular expression over decoded text cost `kiln run` ≈ 0.3 s for 64 MB).
 */
export class HostEventReader {
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** The `out` event whose bytes are being read, and how many are still to come. */
  private out: OutHeader | undefined;

  constructor(private onEvent: (event: HostEvent) => void) {}

  push(chunk: Buffer): void {
    let from = 0;
    while (from < chunk.length) {
      if (this.out) {
        const take = Math.min(this.out.bytes - this.partialLength, chunk.length - from);
        this.keep(chunk.subarray(from, from + take));
        from += take;
        if (this.partialLength === this.out.bytes) {
          const { bytes: _bytes, ...event } = this.out;
          this.out = undefined;
          this.onEvent({ ...event, data: this.taken().toString('utf8') });
        }
        continue;
      }
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl === -1) {
        this.keep(chunk.subarray(from));
        if (this.partialLength > MAX_EVENT_LINE)
          throw new HostProtocolError(`an event line longer than ${MAX_EVENT_LINE} bytes`);
        return;
      }
      this.keep(chunk.subarray(from, nl));
      from = nl + 1;
      const line = this.taken().toString('utf8');
      if (line.trim()) this.line(line);
    }
  }

  private line(text: string): void {
    let event: HostEvent | OutHeader | null;
    try {
      event = JSON.parse(text) as HostEvent | OutHeader | null;
    } catch {
      event = null;
    }
    if (typeof event !== 'object' || event === null)
      throw new HostProtocolError(`not a JSON event: ${JSON.stringify(text.slice(0, 200))}`);
    if (event.ev === 'out' && 'bytes' in event) {
      if (!Number.isSafeInteger(event.bytes) || event.bytes < 0)
        throw new HostProtocolError(`an out event of ${String(event.bytes)} bytes`);
      if (event.bytes > 0) this.out = event;
      else this.onEvent({ ev: 'out', taskRun: event.taskRun, step: event.step, stream: event.stream, data: '' });
    } else this.onEvent(event as HostEvent);
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.partial.push(bytes);
    this.partialLength += bytes.length;
  }

  /** The kept bytes as one buffer (a view when they came in one piece); none kept after. */
  private taken(): Buffer {
    const all = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial, this.partialLength);
    this.partial = [];
    this.partialLength = 0;
    return all;
  }
}

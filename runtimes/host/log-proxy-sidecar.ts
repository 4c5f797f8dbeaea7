// A task run's log shipping as the host runtime keeps it: the log proxy as a process of its own
// (LogProxySidecar: any sidecar argv, and the sandboxed engine's) or inside `kiln-agent host`
// (HostedLogProxy). Either way its warnings are passed on (never dropped), it is waited for after
// the last step (it has its own -deadline), and what it could not deliver is read back from its
// report into each step's record.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { proxyReportFile, stepLogsOf, type LogProxyReport, type StepLogs } from '../../contract/index.js';
import { LineSplitter } from './lines.js';

export type { StepLogs };

export interface SidecarSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** The proxy's state directory (its report is there). */
  stateDir: string;
  /** Step i's spool on the host. */
  spool: (i: number) => string;
  steps: number;
  onWarning: (line: string) => void;
}

/** What the runtime needs of a task run's log shipping, wherever it runs. */
export interface LogShipping {
  /** Waits for the shipping to end (stopping it after limitMs, if given) and says how each step's logs fared. */
  finished(limitMs?: number): Promise<StepLogs[]>;
  kill(): void;
  /** A step's (or sidecar's) line, for a shipping that takes them from the runtime (in-process-logs.ts). */
  line?(step: number, stream: 'stdout' | 'stderr', text: string): void;
  /** Step i's agent ended, after its last line (same). */
  stepEnded?(step: number): void;
  /** Its process, when it has one of its own (spared by the last-resort sweep of a cancel). */
  readonly pid: number | undefined;
  /**
   * Its task run may be reported ended before the logs are in: its shipping can be held back until
   * the task runs reported so before it have delivered theirs (log-order.ts).
   */
  readonly endsBeforeLogs: boolean;
}

type ProxySpec = Pick<SidecarSpec, 'stateDir' | 'spool' | 'steps' | 'onWarning'>;

async function proxyOutcome(
  spec: ProxySpec,
  exit: Promise<number | null>,
  kill: () => void,
  limitMs?: number,
): Promise<StepLogs[]> {
  const timer =
    limitMs === undefined
      ? undefined
      : setTimeout(() => {
          spec.onWarning(`the log proxy is still running ${limitMs} ms after the last step ended; killing it`);
          kill();
        }, limitMs);
  const code = await exit;
  clearTimeout(timer);
  const report =
    code === 0
      ? undefined
      : await readFile(proxyReportFile(spec.stateDir), 'utf8')
          .then((text) => JSON.parse(text) as LogProxyReport)
          .catch(() => undefined);
  return stepLogsOf(code, report, spec.steps, spec.spool);
}

export class LogProxySidecar implements LogShipping {
  readonly endsBeforeLogs = false;
  readonly child: ChildProcess;
  private readonly exit: Promise<number | null>;

  constructor(private spec: SidecarSpec) {
    this.child = spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      env: spec.env,
    });
    const splitter = new LineSplitter(spec.onWarning);
    this.child.stderr!.on('data', (chunk: Buffer) => splitter.push(chunk));
    this.child.stderr!.on('end', () => splitter.end());
    this.exit = new Promise((done) => {
      this.child.once('close', (code) => done(code));
      this.child.once('error', (err) => {
        spec.onWarning(`cannot start the log proxy: ${err.message}`);
        done(null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  finished(limitMs?: number): Promise<StepLogs[]> {
    return proxyOutcome(this.spec, this.exit, () => this.kill(), limitMs);
  }

  kill(): void {
    if (this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The log proxy inside `kiln-agent host`: its end arrives as an event (ended()), kill() stops it there. */
export class HostedLogProxy implements LogShipping {
  readonly pid = undefined;
  readonly endsBeforeLogs = true;
  private end!: (code: number | null) => void;
  private readonly exit = new Promise<number | null>((done) => (this.end = done));

  constructor(
    private spec: ProxySpec,
    private stop: () => void,
  ) {}

  ended(code: number | null): void {
    this.end(code);
  }

  finished(limitMs?: number): Promise<StepLogs[]> {
    return proxyOutcome(this.spec, this.exit, () => this.kill(), limitMs);
  }

  kill(): void {
    this.stop();
  }
}

// A task run's log proxy as the host runtime keeps it: started with the task run, its stderr
// passed on as warnings (never dropped), waited for after the last step (it has its own -deadline),
// and what it could not deliver read back from its report into each step's record.
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

export class LogProxySidecar {
  readonly child: ChildProcess;
  private readonly exit: Promise<{ code: number | null; signal: string | null }>;

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
      this.child.once('close', (code, signal) => done({ code, signal }));
      this.child.once('error', (err) => {
        spec.onWarning(`cannot start the log proxy: ${err.message}`);
        done({ code: null, signal: null });
      });
    });
  }

  /** Waits for the proxy to exit (killing it after limitMs, if given) and says how each step's logs fared. */
  async finished(limitMs?: number): Promise<StepLogs[]> {
    const timer =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            this.spec.onWarning(`the log proxy is still running ${limitMs} ms after the last step ended; killing it`);
            this.kill();
          }, limitMs);
    const { code } = await this.exit;
    clearTimeout(timer);
    const report =
      code === 0
        ? undefined
        : await readFile(proxyReportFile(this.spec.stateDir), 'utf8')
            .then((text) => JSON.parse(text) as LogProxyReport)
            .catch(() => undefined);
    return stepLogsOf(code, report, this.spec.steps, this.spec.spool);
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

// One task run inside `kiln-agent host`: each step's agent (runStep, as `kiln-agent entrypoint`
// runs it) and the task run's log shipping (shipLogs, as `kiln-agent log-proxy` runs it), all in
// this process. Each step reports one `exit` event, the shipping one `logs` event.
import { RUN_MARKER_ENV } from '../../contract/proc/index.js';
import { encodeHostOut, type HostEvent, type HostStep } from '../../contract/index.js';
import { runStep } from '../entrypoint/command.js';
import type { WaitOutcome, Waiter } from '../entrypoint/core.js';
import { FsWaiter } from '../entrypoint/fs-waiter.js';
import { parseEntrypointArgs } from '../entrypoint/options.js';
import { AgentUsageError } from '../errors.js';
import type { ProxyIO } from '../log-proxy/core.js';
import type { LiveProxyIO } from '../log-proxy/io.js';
import { shipLogs } from '../log-proxy/command.js';
import { parseLogProxyArgs } from '../log-proxy/options.js';
import { EventStream, StepSignals, StepStopped } from './step-world.js';

/**
 * Every step's end wakes the shipping, and the spool directory is watched (a change while the
 * shipping is busy is kept for its next wait: log-proxy/wake.ts): the idle poll is a safety net for
 * a change no watch reports (inotify instances used up).
 */
const SHIPPING_SAFETY_POLL_MS = 250;
/**
 * Output of running steps waits this long for more (log-proxy/core.ts lingerMs): a short step's
 * lines and its end then make one request to the collector, not two, and a chatty step's lines a
 * request every 25 ms at most. On examples/node-app a run's log requests fell from 13–16 to 8–9,
 * each costing CPU in this runner and in kiln run, whose embedded collector answers them (the run
 * 11 ms faster, median of 20 interleaved pairs). The console is not delayed: it shows the runner's
 * `out` events; a step's end is shipped at once.
 */
const SHIPPING_LINGER_MS = 25;

const waiter = new FsWaiter();

const flushed = (stream: NodeJS.WritableStream) => new Promise<void>((done) => stream.write('', () => done()));

export class HostTaskRun {
  private signals: StepSignals[];
  private reported: boolean[];
  private shippingReported = false;
  /** The shipping's I/O, woken when a step ends (or shipping is stopped). */
  private shipping: LiveProxyIO | undefined;
  private logsStopped = false;
  /** Resolved when the shipping may send (at once, unless the task run was started with holdLogs). */
  private mayShip: Promise<void>;
  private letShip!: () => void;
  /** The grace a step's command gets between SIGTERM and SIGKILL (the largest asked for). */
  readonly graceMs: number;
  readonly marker: string | undefined;
  readonly done: Promise<void>;

  constructor(
    private name: string,
    steps: HostStep[],
    logProxy: string[] | undefined,
    private emit: (e: HostEvent) => void,
    out: NodeJS.WritableStream,
    opts: { holdLogs?: boolean } = {},
  ) {
    this.mayShip = new Promise<void>((release) => (this.letShip = release));
    if (!opts.holdLogs) this.letShip();
    this.signals = steps.map(() => new StepSignals());
    this.reported = steps.map(() => false);
    this.marker = steps[0]?.env[RUN_MARKER_ENV];
    // Parsed now: a bad flag fails its step (as its agent would, exit 2) when the step runs.
    const parsed = steps.map((step) => {
      try {
        return parseEntrypointArgs(step.args);
      } catch (err) {
        return err as Error;
      }
    });
    this.graceMs = Math.max(0, ...parsed.map((o) => (o instanceof Error ? 0 : o.timeoutGraceMs)));
    const ends = steps.map((step, i) => {
      const stream = (s: 'stdout' | 'stderr') => new EventStream(out, (data) => encodeHostOut(name, i, s, data));
      const stdout = stream('stdout');
      const stderr = stream('stderr');
      return (
        // Step 0 first: the later steps' set-up (their spool and termination files, made before they
        // wait) comes after its command has started, not between the go-ahead and its start.
        (i === 0 ? Promise.resolve() : new Promise<void>((begin) => setImmediate(begin)))
          .then(() => {
            const opts = parsed[i]!;
            if (opts instanceof Error) throw opts;
            return runStep(opts, {
              stdout,
              stderr,
              signals: this.signals[i]!,
              waiter: this.stoppable(i),
              cwd: step.cwd,
              env: step.env,
              stdin: 'ignore',
            });
          })
          .then(
            (code) => code,
            (err: unknown) => {
              if (err instanceof StepStopped || this.reported[i]) return undefined;
              // As `kiln-agent entrypoint` does with an error it did not expect: a line, exit 1 (2 for usage).
              stderr.write(`kiln-agent: ${err instanceof Error ? err.message : String(err)}\n`);
              return err instanceof AgentUsageError ? 2 : 1;
            },
          )
          // The step's last output (perhaps waiting for the runtime to read) goes before its end.
          .then(async (code) => {
            await Promise.all([flushed(stdout), flushed(stderr)]);
            if (code !== undefined) this.exited(i, code, null);
          })
      );
    });
    const shipping = logProxy ? this.ship(logProxy) : Promise.resolve();
    this.done = Promise.all([...ends, shipping]).then(() => undefined);
  }

  /** See HostCommand 'signal'. */
  signal(signal: 'SIGTERM' | 'SIGKILL', steps?: number[]): void {
    for (const [i, s] of this.signals.entries()) {
      if ((steps && !steps.includes(i)) || this.reported[i]) continue;
      if (!s.deliver(signal)) this.exited(i, null, signal);
    }
  }

  /** See HostCommand 'ship-logs'. */
  shipLogs(): void {
    this.letShip();
  }

  /** See HostCommand 'stop-logs': reported at once as a killed proxy; the shipping winds down behind. */
  stopLogs(): void {
    this.logsStopped = true;
    this.letShip();
    this.shipping?.wake();
    this.shippingEnded(null);
  }

  private exited(i: number, code: number | null, signal: string | null): void {
    if (this.reported[i]) return;
    this.reported[i] = true;
    this.emit({ ev: 'exit', taskRun: this.name, step: i, code, signal });
    this.shipping?.wake();
  }

  private shippingEnded(code: number | null): void {
    if (this.shippingReported) return;
    this.shippingReported = true;
    this.emit({ ev: 'logs', taskRun: this.name, code });
  }

  /** The shared waiter, given up on once the step's agent counts as ended. */
  private stoppable(i: number): Waiter {
    const signals = this.signals[i]!;
    return {
      waitFor: (path, opts) =>
        new Promise<WaitOutcome>((resolve, reject) => {
          signals.onStop(() => reject(new StepStopped('stopped while waiting')));
          waiter.waitFor(path, opts).then(resolve, reject);
        }),
    };
  }

  private async ship(args: string[]): Promise<void> {
    const warn = (line: string) => this.emit({ ev: 'warn', taskRun: this.name, line });
    // shipLogs calls this before its first wait: a step's end can wake the shipping from then on.
    const wake = (io: LiveProxyIO): ProxyIO => {
      this.shipping = io;
      return {
        ...io,
        warn: (m) => warn(`kiln-agent log-proxy: ${m}`),
        waitForChange: (ms) => (this.logsStopped ? Promise.resolve() : io.waitForChange(ms)),
        sleep: (ms) => (this.logsStopped ? Promise.resolve() : io.sleep(ms)),
        // Its waits end at once when stopped: lingering then would spin until the linger is over.
        hurry: () => this.logsStopped,
        send:
          io.send &&
          ((batch) =>
            this.mayShip.then(() =>
              this.logsStopped ? Promise.reject(new Error('log shipping stopped')) : io.send!(batch),
            )),
      };
    };
    const pacing = { idleWaitMs: SHIPPING_SAFETY_POLL_MS, lingerMs: SHIPPING_LINGER_MS };
    const code = await shipLogs(parseLogProxyArgs(args), { warn, io: wake, pacing }).catch((err: unknown) => {
      warn(`kiln-agent log-proxy: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    });
    this.shippingEnded(code);
  }
}

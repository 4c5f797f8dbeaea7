// Runs the step's command as a real process: its own process group (so a signal or a timeout
// reaches every process it started), stdout and stderr teed to the agent's own streams and to the
// step's spool file, with back-pressure so memory stays flat however much the command writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { spoolGateFile } from '../../contract/index.js';
import type { AgentIOError } from '../errors.js';
import type { RunOutcome, RunRequest, Runner } from './core.js';
import { GarbageBudget } from '../../contract/stream-garbage/index.js';
import type { SpoolFile } from './spool-file.js';
import { SpoolGate } from './spool-gate.js';
import type { SpoolRecorder } from './spool-recorder.js';

export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
];
/**
 * After the command exits, how long processes it left behind may keep its output open. Then the
 * group is killed, as a container's end would kill them on Kubernetes.
 */
export const DRAIN_AFTER_EXIT_MS = 500;

/** Where signals meant for the agent arrive: its process, or (kiln-agent host) the step's share of it. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ProcessRunnerConfig {
  spool: SpoolFile;
  stdout: Writable;
  stderr: Writable;
  /** Where signals arrive (the agent's own process). */
  signalSource?: SignalSource;
  /** The command's directory and environment (default: the agent's own). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The command's stdin (default: the agent's own). */
  stdin?: 'inherit' | 'ignore';
  /** Files the command's stdout / stderr are also written to (Tekton's stdoutConfig / stderrConfig). */
  stdoutPath?: string;
  stderrPath?: string;
  /** Called once the command is spawned (a sidecar's settle watch). */
  onSpawn?: (child: ChildProcess) => void;
}

export class ProcessRunner implements Runner {
  constructor(private readonly config: ProcessRunnerConfig) {}

  /** Opens the spool before the step waits: one less thing between the wake-up and the spawn. */
  async prepare(): Promise<void> {
    this.config.spool.open();
  }

  run(request: RunRequest): Promise<RunOutcome> {
    this.config.spool.open();
    const [file, ...args] = request.command;
    // Listening before the spawn: a signal that arrives while spawn() runs (the command may already
    // be running by then) is queued for the event loop instead of killing the agent; by the time it
    // is dispatched, `child` is set.
    const signals = this.config.signalSource ?? process;
    let child: ChildProcess | undefined;
    let copies: [CopyFile | undefined, CopyFile | undefined];
    const forward = (signal: NodeJS.Signals) => child && killGroup(child, signal);
    const stopForwarding = () => FORWARDED_SIGNALS.forEach((s) => signals.off(s, forward));
    FORWARDED_SIGNALS.forEach((s) => signals.on(s, forward));
    try {
      const { cwd, env, stdin = 'inherit' } = this.config;
      copies = [copyFile(this.config.stdoutPath), copyFile(this.config.stderrPath)];
      child = spawn(file, args, { detached: true, stdio: [stdin, 'pipe', 'pipe'], cwd, env });
      this.config.onSpawn?.(child);
    } catch (err) {
      stopForwarding();
      throw err;
    }
    return this.supervise(child, request, stopForwarding, copies);
  }

  private supervise(
    child: ChildProcess,
    request: RunRequest,
    stopForwarding: () => void,
    [stdoutCopy, stderrCopy]: (CopyFile | undefined)[],
  ): Promise<RunOutcome> {
    const { spool } = this.config;
    const budget = new GarbageBudget();
    const gate = new SpoolGate(spoolGateFile(spool.path), () => spool.size);
    const outputs = [
      tee(child.stdout!, this.config.stdout, spool.recorder('o'), budget, gate, stdoutCopy),
      tee(child.stderr!, this.config.stderr, spool.recorder('e'), budget, gate, stderrCopy),
    ];
    return new Promise((resolve) => {
      let timedOut = false;
      let ioError: AgentIOError | undefined;
      const timers: NodeJS.Timeout[] = [];
      const stop = () => {
        killGroup(child, 'SIGTERM');
        timers.push(setTimeout(() => killGroup(child, 'SIGKILL'), request.timeoutGraceMs));
      };
      if (request.timeoutMs !== undefined) {
        timers.push(
          setTimeout(() => {
            timedOut = true;
            stop();
          }, request.timeoutMs),
        );
      }
      // The step's output can no longer be kept: stop the command as a timeout would, rather than
      // let it run on with its log lost.
      const unsubscribe = spool.onFailure((failure) => {
        ioError = failure;
        stop();
      });
      let settled = false;
      const settle = async (outcome: Omit<RunOutcome, 'timedOut'>) => {
        if (settled) return;
        settled = true;
        timers.forEach(clearTimeout);
        // What is left in the pipes is bounded (the pipe buffers): read it past the spool's gate
        // rather than hold the step's end for an ack.
        for (const o of outputs) o.ungate();
        await drain(outputs, DRAIN_AFTER_EXIT_MS);
        killGroup(child, 'SIGKILL');
        unsubscribe();
        stopForwarding(); // only now: a signal during the drain must not kill the agent before it records
        resolve({ ...outcome, timedOut, ...(ioError && { ioError }) });
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return; // a later error (e.g. kill) on a running child: 'exit' follows
        const exitCode = err.code === 'ENOENT' ? 127 : 126;
        void settle({ exitCode, spawnError: `cannot run ${JSON.stringify(child.spawnfile)}: ${err.message}` });
      });
      child.once('exit', (code, signal) => {
        void settle({ exitCode: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0) });
      });
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

interface Tee {
  ended: Promise<void>;
  stop(): void;
  /** Reads on whatever the spool's gate says. */
  ungate(): void;
  /** Reading is paused until the agent's own stream (kiln run's console) takes more. */
  waitingForSink(): boolean;
}

/** Copies a child's stream to the agent's stream and the spool, pausing the child while the
 * agent's stream is full or the spool is at its gate (spool-gate.ts). */
function tee(
  source: Readable,
  sink: Writable,
  recorder: SpoolRecorder,
  budget: GarbageBudget,
  gate: SpoolGate,
  copy?: CopyFile,
): Tee {
  let sinkBroken = false;
  let waiting = false;
  let gated = false;
  let ungated = false;
  let cancelGate = () => {};
  const flow = () => {
    if (!gated && !(waiting && !sinkBroken)) source.resume();
  };
  const resume = () => {
    waiting = false;
    flow();
  };
  sink.on('error', () => {
    sinkBroken = true; // nobody reads the agent's output any more: keep spooling
    resume();
  });
  source.on('data', (chunk: Buffer) => {
    recorder.push(chunk);
    copy?.write(chunk);
    budget.add(chunk.length);
    if (!ungated && !gated && !gate.hasRoom()) {
      gated = true;
      source.pause();
      cancelGate = gate.whenRoom(() => {
        gated = false;
        flow();
      });
    }
    if (sinkBroken || sink.write(chunk)) return;
    waiting = true;
    source.pause();
    sink.once('drain', resume);
  });
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    recorder.end();
    copy?.close();
  };
  const ended = new Promise<void>((resolve) => {
    source.once('close', () => {
      finish();
      resolve();
    });
  });
  const ungate = () => {
    ungated = true;
    cancelGate();
    gated = false;
    flow();
  };
  const stop = () => {
    cancelGate();
    finish(); // now, while the spool is still open
    source.removeAllListeners('data');
    source.destroy();
  };
  return { ended, stop, ungate, waitingForSink: () => waiting && !sinkBroken };
}

interface CopyFile {
  write(chunk: Buffer): void;
  close(): void;
}

/**
 * A stream's copy in a file (its directory made), written as it comes: a later step reads it
 * whole once this step has ended. A file that cannot be written fails the spawn, as in Tekton.
 */
function copyFile(path: string | undefined): CopyFile | undefined {
  if (!path) return undefined;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  return { write: (chunk) => writeSync(fd, chunk), close: () => closeSync(fd) };
}

const DRAIN_TICK_MS = 25;
/** However slow the console, a drain ends this long after the command exited. */
const DRAIN_LIMIT_MS = 60 * DRAIN_AFTER_EXIT_MS;

/**
 * Waits for the outputs to end, at most boundMs of time in which the agent could read them: time
 * spent paused for a slow console does not count, or the last lines the command wrote before it
 * exited (still in the pipe) would be cut off while the console catches up.
 */
async function drain(outputs: Tee[], boundMs: number): Promise<void> {
  let ended = false;
  const all = Promise.all(outputs.map((o) => o.ended)).then(() => (ended = true));
  let readable = 0;
  const start = Date.now();
  while (!ended && readable < boundMs && Date.now() - start < DRAIN_LIMIT_MS) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TICK_MS)))]);
    clearTimeout(timer);
    if (!outputs.some((o) => o.waitingForSink())) readable += DRAIN_TICK_MS;
  }
  for (const o of outputs) o.stop();
}

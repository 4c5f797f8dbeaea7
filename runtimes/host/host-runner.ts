// The runtime's side of `kiln-agent host` (contract/host-runner.ts): one agent process for every
// step of every task run, started with the first task run and kept while the runtime lives (a
// chain of tasks pays one Node start, not one per step). Commands go to its stdin, its events come
// back per task run. It is referenced (keeps this process alive) only while a task run is live.
import type { ChildProcess } from 'node:child_process';
import { runnerProcessEnv, spawnHostRunner } from '../../contract/proc/index.js';
import { encodeHostMessage, HostEventReader, type HostCommand, type HostEvent } from '../../contract/index.js';
import { LineSplitter } from './lines.js';

export interface TaskRunListener {
  out(step: number, stream: 'stdout' | 'stderr', data: string): void;
  exit(step: number, code: number | null, signal: string | null): void;
  logs(code: number | null): void;
  warn(line: string): void;
  /** The host runner itself ended while this task run was live. */
  lost(code: number | null, signal: string | null): void;
}

/**
 * A runner started now rather than with the first task run (`kiln run` starts it before it reads
 * its files, so that the two starts overlap), carrying `marker` as its run marker: a pipeline
 * run's name, or when that is not known yet one of kiln run's own. LocalRuntimeOptions.hostRunner.
 */
export function startHostRunner(
  agent: string[],
  env: NodeJS.ProcessEnv,
  marker: string,
  collectorTls: boolean,
): HostRunner {
  const runner = new HostRunner(agent, runnerProcessEnv(env, marker, collectorTls));
  runner.spawn();
  return runner;
}

export class HostRunner {
  private child: ChildProcess | undefined;
  private listeners = new Map<string, TaskRunListener>();
  /** Where the runner's own stderr goes (the runtime that adopts it sets this). */
  onWarning: (line: string) => void = (line) => process.stderr.write(`kiln: ${line}\n`);

  constructor(
    private agent: string[],
    private env: Record<string, string | undefined>,
  ) {}

  /** Starts the process now (it is otherwise started by the first command), unreferenced until a task run is live. */
  spawn(): void {
    this.process();
    if (this.listeners.size === 0) this.referenced(false);
  }

  /**
   * A runner for a `kiln-agent host` already started with `agent` and `env` (cli/early-runner.ts:
   * by kiln run's launcher, before the CLI itself loads); unreferenced until a task run is live.
   */
  static adopt(agent: string[], env: Record<string, string | undefined>, child: ChildProcess): HostRunner {
    const runner = new HostRunner(agent, env);
    runner.attach(child);
    runner.referenced(false);
    return runner;
  }

  send(command: HostCommand, listener?: TaskRunListener): void {
    const child = this.process();
    if (listener && 'taskRun' in command) {
      this.listeners.set(command.taskRun, listener);
      this.referenced(true);
    }
    child.stdin!.write(encodeHostMessage(command));
  }

  /** The task run needs no more events; with none left live, the runner no longer keeps us alive. */
  release(taskRun: string): void {
    this.listeners.delete(taskRun);
    if (this.listeners.size === 0) this.referenced(false);
  }

  /** Ends the runner: what it still runs is stopped as on its parent's death. */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  private process(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    return this.attach(spawnHostRunner(this.agent, this.env));
  }

  private attach(child: ChildProcess): ChildProcess {
    this.child = child;
    const events = new HostEventReader((event) => this.dispatch(event));
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        events.push(chunk);
      } catch (err) {
        // Not the runner this runtime speaks with: what it runs cannot be followed, so it ends.
        this.onWarning(`kiln-agent host: ${(err as Error).message}; stopping it`);
        child.kill('SIGKILL');
      }
    });
    const stderr = new LineSplitter((line) => this.onWarning(`kiln-agent host: ${line}`));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stderr!.on('end', () => stderr.end());
    child.stdin!.on('error', () => undefined); // a runner gone is reported by 'close' below
    child.once('error', (err) => {
      this.onWarning(`cannot start kiln-agent host: ${err.message}`);
      this.lost(child, null, null);
    });
    child.once('close', (code, signal) => this.lost(child, code, signal));
    return child;
  }

  private lost(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.child !== child && this.child !== undefined) return;
    this.child = undefined;
    for (const listener of this.listeners.values()) listener.lost(code, signal);
  }

  private dispatch(e: HostEvent): void {
    const listener = this.listeners.get(e.taskRun);
    if (!listener) return;
    if (e.ev === 'out') listener.out(e.step, e.stream, e.data);
    else if (e.ev === 'exit') listener.exit(e.step, e.code, e.signal);
    else if (e.ev === 'logs') listener.logs(e.code);
    else listener.warn(e.line);
  }

  private referenced(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const handle of [c, c.stdin, c.stdout, c.stderr] as ({ ref?(): void; unref?(): void } | null)[])
      if (on) handle?.ref?.();
      else handle?.unref?.();
  }
}

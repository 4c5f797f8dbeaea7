// What one step of `kiln-agent host` has of its own: output streams that become events on the
// host's stdout (with its back-pressure), and a signal source standing for its agent's process.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { wholeCharsEnd } from '../../contract/index.js';
import type { SignalSource } from '../entrypoint/process-runner.js';

/**
 * A step stream as `out` events (contract/host-runner.ts encodeHostOut): whole UTF-8 characters,
 * a character cut by the pipe held for the next chunk, paused while the host's stdout is full.
 */
export class EventStream extends Writable {
  /** The first bytes of a character the last chunk cut. */
  private carry: Buffer | undefined;

  constructor(
    private out: NodeJS.WritableStream,
    private frame: (data: Uint8Array) => [string, Uint8Array],
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = wholeCharsEnd(bytes);
    this.carry = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
    if (end === 0) return done();
    this.send(bytes.subarray(0, end), done);
  }

  /** A character the stream's end cut is sent as it is (the reader shows it as U+FFFD), not dropped. */
  override _final(done: (err?: Error | null) => void): void {
    const rest = this.carry;
    this.carry = undefined;
    if (rest) this.send(rest, done);
    else done();
  }

  private send(data: Uint8Array, done: () => void): void {
    const [line, bytes] = this.frame(data);
    this.out.write(line);
    if (this.out.write(bytes)) done();
    else this.out.once('drain', () => done());
  }
}

/** Thrown into a step's sequencing once its agent counts as ended (signalled while it waited). */
export class StepStopped extends Error {}

/**
 * The signals of one step's agent. While the command runs, the runner listens (and forwards);
 * a signal with no listener ends the agent, as the default action does to a process. After that,
 * nothing more is started: a runner that begins listening is told the step is over.
 */
export class StepSignals implements SignalSource {
  private emitter = new EventEmitter();
  private stopListeners: (() => void)[] = [];
  stopped: NodeJS.Signals | undefined;

  /** Called once when the agent counts as ended by a signal (at once if it already does). */
  onStop(listener: () => void): void {
    if (this.stopped) listener();
    else this.stopListeners.push(listener);
  }

  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): this {
    if (this.stopped) throw new StepStopped(`stopped by ${this.stopped}`);
    this.emitter.on(signal, listener);
    return this;
  }

  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): this {
    this.emitter.off(signal, listener);
    return this;
  }

  /** Delivers the signal; answers false when nothing handled it (the agent then counts as ended by it). */
  deliver(signal: 'SIGTERM' | 'SIGKILL'): boolean {
    if (signal === 'SIGKILL' || this.emitter.listenerCount('SIGTERM') === 0) {
      if (!this.stopped) {
        this.stopped = signal;
        this.stopListeners.splice(0).forEach((l) => l());
      }
      // The runner's forwarder takes the signal's name: a running command's group gets the SIGKILL too.
      if (signal === 'SIGKILL') this.emitter.emit('SIGTERM', 'SIGKILL');
      return false;
    }
    this.emitter.emit('SIGTERM', 'SIGTERM');
    return true;
  }
}

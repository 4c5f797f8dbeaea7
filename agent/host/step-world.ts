// What one step of `kiln-agent host` has of its own: output streams that become events on the
// host's stdout (with its back-pressure), and a signal source standing for its agent's process.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { SignalSource } from '../entrypoint/process-runner.js';

/** A step stream as `out` events: whole UTF-8 characters, paused while the host's stdout is full. */
export class EventStream extends Writable {
  private decoder = new StringDecoder('utf8');

  constructor(
    private out: NodeJS.WritableStream,
    private frame: (data: string) => string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const data = this.decoder.write(chunk);
    if (data === '' || this.out.write(this.frame(data))) done();
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

// A step's spool file (<log_dir>/<step_index>.spool), open for the agent's whole life so that both
// the command's output and the agent's own messages (skipped, timed out, result too large) reach
// the log proxy, and through it the collector. A write that fails (a full disk) never throws out of
// a stream handler: the spool stops, keeps the failure, and tells whoever listens (the runner, which
// then ends the step with reason AgentIOError).
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SpoolStream } from '../../contract/index.js';
import { AgentIOError } from '../errors.js';
import { SpoolRecorder } from './spool-recorder.js';

const WRITING = 'writing the log spool';

export class SpoolFile {
  private fd: number | undefined;
  /** The file's size: what it held when opened and all written since. */
  size = 0;
  /** The first write that failed; nothing more is written after it. */
  failure: AgentIOError | undefined;
  private readonly listeners = new Set<(failure: AgentIOError) => void>();

  constructor(readonly path: string) {}

  /** Throws AgentIOError when the spool cannot be created. */
  open(): void {
    if (this.fd !== undefined) return;
    try {
      this.fd = openAppending(this.path);
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      throw AgentIOError.from('opening the log spool', this.path, err);
    }
  }

  /** Calls `listener` once when a write fails (at once when one already has); returns the unsubscribe. */
  onFailure(listener: (failure: AgentIOError) => void): () => void {
    if (this.failure) listener(this.failure);
    else this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recorder(stream: SpoolStream): SpoolRecorder {
    return new SpoolRecorder(stream, (records) => this.write(records));
  }

  /** One line of the agent's own, as a record of `stream`; dropped when the spool is not open. */
  note(stream: SpoolStream, line: string): void {
    if (this.fd === undefined) return;
    const recorder = this.recorder(stream);
    recorder.push(Buffer.from(line.endsWith('\n') ? line : `${line}\n`));
    recorder.end();
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** A write may be short (a signal): carry on from where it stopped. */
  private write(data: Buffer): void {
    if (this.failure) return;
    if (this.fd === undefined) throw new Error(`spool ${this.path} written after it was closed`);
    try {
      for (let at = 0; at < data.length;) {
        const n = writeSync(this.fd, data, at, data.length - at);
        at += n;
        this.size += n;
      }
    } catch (err) {
      this.failure = AgentIOError.from(WRITING, this.path, err);
      for (const listener of this.listeners) listener(this.failure);
      this.listeners.clear();
    }
  }
}

/** The log directory is made only when the open says it is missing (it usually exists already). */
function openAppending(path: string): number {
  try {
    return openSync(path, 'a');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, 'a');
}

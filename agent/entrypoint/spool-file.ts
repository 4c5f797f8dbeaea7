// A step's spool file (<log_dir>/<step_index>.spool), open for the agent's whole life so that both
// the command's output and the agent's own messages (skipped, timed out, result too large) reach
// the log proxy, and through it the collector.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SpoolStream } from '../../contract/index.js';
import { SpoolRecorder } from './spool-recorder.js';

export class SpoolFile {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a');
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

  /** A write may be short (a full disk, a signal): carry on from where it stopped. */
  private write(data: Buffer): void {
    if (this.fd === undefined) throw new Error(`spool ${this.path} written after it was closed`);
    for (let at = 0; at < data.length;) at += writeSync(this.fd, data, at, data.length - at);
  }
}

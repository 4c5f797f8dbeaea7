// Cuts one output stream into spool records (contract/pod-layout.ts): a record per line, a line longer
// than SPOOL_MAX_RECORD split into several. Memory is one record's buffer per stream plus one
// output buffer, whatever the line length. Records are assembled in the output buffer and written
// in one call per pushed chunk (or per full buffer): building a Buffer per record header, or
// handing writev hundreds of short lines, costs several times more on output of short lines.
import { SPOOL_MAX_RECORD, encodeSpoolHeader, type SpoolStream } from '../../contract/index.js';

const NEWLINE = 0x0a;
/** Room for a header: stream, space, 16-digit time, space, 9-digit length, newline. */
const MAX_HEADER = 32;
const OUTPUT_BYTES = 256 * 1024;

export class SpoolRecorder {
  private readonly pending: Buffer;
  private pendingLength = 0;
  private readonly output: Buffer;
  private outputLength = 0;

  constructor(
    private readonly stream: SpoolStream,
    private readonly write: (records: Buffer) => void,
    private readonly nowMs: () => number = Date.now,
    private readonly maxRecord = SPOOL_MAX_RECORD,
  ) {
    this.pending = Buffer.allocUnsafe(maxRecord);
    this.output = Buffer.allocUnsafe(Math.max(OUTPUT_BYTES, maxRecord + MAX_HEADER + 1));
  }

  push(chunk: Buffer): void {
    const time = this.nowMs();
    let pos = 0;
    while (pos < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, pos);
      const end = newline === -1 ? chunk.length : newline;
      if (newline !== -1 && this.pendingLength === 0 && end - pos <= this.maxRecord) {
        this.emit(time, chunk, pos, end); // the common case: a whole line in this chunk
      } else {
        this.buffer(time, chunk, pos, end);
        if (newline !== -1) this.emitPending(time);
      }
      pos = newline === -1 ? chunk.length : newline + 1;
    }
    this.flush();
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.pendingLength > 0) this.emitPending(this.nowMs());
    this.flush();
  }

  /** Appends bytes of the current line, emitting a full piece only when more bytes of it follow,
   * so a line of exactly maxRecord bytes stays one record. */
  private buffer(time: number, chunk: Buffer, from: number, to: number): void {
    let p = from;
    while (p < to) {
      if (this.pendingLength === this.maxRecord) this.emitPending(time);
      const n = Math.min(this.maxRecord - this.pendingLength, to - p);
      chunk.copy(this.pending, this.pendingLength, p, p + n);
      this.pendingLength += n;
      p += n;
    }
  }

  private emitPending(time: number): void {
    this.emit(time, this.pending, 0, this.pendingLength);
    this.pendingLength = 0;
  }

  private emit(time: number, source: Buffer, from: number, to: number): void {
    const length = to - from;
    if (this.outputLength + MAX_HEADER + length + 1 > this.output.length) this.flush();
    let at = this.outputLength;
    at += this.output.write(encodeSpoolHeader(this.stream, time, length), at, 'latin1');
    at += source.copy(this.output, at, from, to);
    this.output[at++] = NEWLINE;
    this.outputLength = at;
  }

  private flush(): void {
    if (this.outputLength === 0) return;
    // The receiver must be done with the bytes when it returns: the buffer is reused.
    this.write(this.output.subarray(0, this.outputLength));
    this.outputLength = 0;
  }
}

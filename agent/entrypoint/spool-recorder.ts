// Cuts one output stream into spool records (contract/pod-layout.ts): a record per line, a line longer
// than SPOOL_MAX_RECORD split into several. Memory is one record's buffer per stream plus one
// output buffer, whatever the line length. Records are assembled in the output buffer and written
// in one call per pushed chunk (or per full buffer): building a Buffer per record header, or
// handing writev hundreds of short lines, costs several times more on output of short lines.
// The header is written byte by byte (its `<stream> <time> ` prefix once per chunk, since a chunk's
// lines share their time): a header string per line and its latin1 write were a third of the
// entrypoint's CPU on 100-byte lines, and their garbage most of its collector's work.
import { SPOOL_MAX_RECORD, type SpoolStream } from '../../contract/index.js';

const NEWLINE = 0x0a;
/** Room for a header: stream, space, 16-digit time, space, 9-digit length, newline. */
const MAX_HEADER = 32;
const OUTPUT_BYTES = 256 * 1024;

export class SpoolRecorder {
  private readonly pending: Buffer;
  private pendingLength = 0;
  private readonly output: Buffer;
  private outputLength = 0;
  /** `<stream> <time> `, the header up to the length, for the time it was made for. */
  private readonly prefix = Buffer.allocUnsafe(MAX_HEADER);
  private prefixLength = 0;
  private prefixTime = -1;

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
    if (time !== this.prefixTime) this.setPrefix(time);
    const out = this.output;
    const prefix = this.prefix;
    let at = this.outputLength;
    for (let i = 0; i < this.prefixLength; i++) out[at++] = prefix[i];
    at = putDecimal(out, at, length);
    out[at++] = NEWLINE;
    // set() of a plain view: Buffer#copy's checks and Buffer#subarray's FastBuffer cost more than
    // copying a short line.
    out.set(new Uint8Array(source.buffer, source.byteOffset + from, length), at);
    at += length;
    out[at++] = NEWLINE;
    this.outputLength = at;
  }

  private setPrefix(time: number): void {
    // encodeSpoolHeader's spelling (contract/pod-layout.ts): `${stream} ${timeMs} ${length}\n`.
    this.prefixLength = this.prefix.write(`${this.stream} ${time} `, 0, 'latin1');
    this.prefixTime = time;
  }

  private flush(): void {
    if (this.outputLength === 0) return;
    // The receiver must be done with the bytes when it returns: the buffer is reused.
    this.write(this.output.subarray(0, this.outputLength));
    this.outputLength = 0;
  }
}

/** Writes n ≥ 0 (an integer) in decimal at `at`; answers where it ends. */
function putDecimal(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

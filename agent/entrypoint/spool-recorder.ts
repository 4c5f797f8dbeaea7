// Cuts one output stream into spool records (contract/pod-layout.ts, version 2): a record per
// pushed chunk holding its whole lines, a line longer than SPOOL_MAX_RECORD split into several.
// Memory is one line's buffer per stream plus one output buffer, whatever the line length. Records
// are assembled in the output buffer and written in one call per pushed chunk (or per full
// buffer). A record per line (version 1) cost a header per line: a fifth of the spool's bytes on
// 100-byte lines, and with the search for each line's end most of the entrypoint's CPU; a chunk of
// whole lines is copied as it is, and only a chunk longer than a record is searched for lines.
import { SPOOL_MAX_RECORD, type SpoolStream } from '../../contract/index.js';

const NEWLINE = 0x0a;
/** Room for a header: stream, space, 16-digit time, space, 9-digit length, newline. */
const MAX_HEADER = 32;
const OUTPUT_BYTES = 256 * 1024;

export class SpoolRecorder {
  /** The current line's bytes, while its newline has not been read. */
  private readonly pending: Buffer;
  private pendingLength = 0;
  private readonly output: Buffer;
  private outputLength = 0;
  /** `<STREAM> <time> `, the header up to the length, for the time it was made for. */
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
    if (this.pendingLength > 0) {
      // The rest of a line begun in an earlier chunk: it becomes a record of its own.
      const newline = chunk.indexOf(NEWLINE);
      this.buffer(time, chunk, 0, newline === -1 ? chunk.length : newline);
      if (newline === -1) return this.flush();
      this.emitPending(time);
      pos = newline + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= pos) {
      this.emitLines(time, chunk, pos, last + 1);
      pos = last + 1;
    }
    this.buffer(time, chunk, pos, chunk.length);
    this.flush();
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.pendingLength > 0) this.emitPending(this.nowMs());
    this.flush();
  }

  /** Records of the whole lines src[from, to) (a newline at to - 1), a line too long cut in pieces. */
  private emitLines(time: number, src: Buffer, from: number, to: number): void {
    const max = this.maxRecord;
    while (from < to) {
      if (to - from <= max + 1) return this.emit(time, src, from, to, false);
      // The last newline that leaves the record within its size; none: the first line is too long.
      const cut = src.lastIndexOf(NEWLINE, from + max);
      if (cut >= from) {
        this.emit(time, src, from, cut + 1, false);
        from = cut + 1;
      } else {
        this.emit(time, src, from, from + max, true);
        from += max;
      }
    }
  }

  /** Appends bytes of the current line, emitting a full piece only when more bytes of it follow,
   * so a line of exactly maxRecord bytes stays one line. */
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
    this.emit(time, this.pending, 0, this.pendingLength, true);
    this.pendingLength = 0;
  }

  /** A record of source[from, to), which ends with a newline or, `piece`, is one line without it. */
  private emit(time: number, source: Buffer, from: number, to: number, piece: boolean): void {
    const length = to - from + (piece ? 1 : 0);
    if (this.outputLength + MAX_HEADER + length > this.output.length) this.flush();
    if (time !== this.prefixTime) this.setPrefix(time);
    const out = this.output;
    const prefix = this.prefix;
    let at = this.outputLength;
    for (let i = 0; i < this.prefixLength; i++) out[at++] = prefix[i];
    at = putDecimal(out, at, length);
    out[at++] = NEWLINE;
    // set() of a plain view: Buffer#copy's checks and Buffer#subarray's FastBuffer cost more than
    // copying a short line.
    out.set(new Uint8Array(source.buffer, source.byteOffset + from, to - from), at);
    at += to - from;
    if (piece) out[at++] = NEWLINE;
    this.outputLength = at;
  }

  private setPrefix(time: number): void {
    // encodeSpoolHeader's spelling (contract/pod-layout.ts): `${STREAM} ${timeMs} ${length}\n`.
    this.prefixLength = this.prefix.write(`${this.stream.toUpperCase()} ${time} `, 0, 'latin1');
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

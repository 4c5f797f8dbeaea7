// LogBatch written and LogAck read by hand (kiln.proto's wire format), for the log proxy: its
// batches are a few names and numbers around two byte strings per step, so a batch is framed as a
// list of buffers that points at packed_lines and packed_meta where they are, and written with
// one writev; protobufjs's encoder copied every byte once more, and loading protobufjs cost each
// proxy's start more than the framing does. Pure: no I/O. The generated codec (contract/log-wire/)
// stays the collector's and the tests' reference.
import type { PackedLines } from './log-packed.js';
import { MAX_VARINT, putVarint } from './varint.js';

/** Media type of a protobuf body on POST /v1/logs. */
export const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';

/** One step of a batch, as StepLogs carries it packed. */
export interface FramedStep {
  step: string;
  stepIndex: number;
  eof: boolean;
  firstSeq: number;
  lines: PackedLines;
}

const VARINT = 0;
const LEN = 2;
const tag = (field: number, type: number) => field * 8 + type;

/**
 * The LogBatch as buffers to send in order (their concatenation is the message); the packed bytes
 * are not copied, so they must stay as they are until the buffers are written.
 */
export function frameLogBatch(pipelineRun: string, taskRun: string, steps: readonly FramedStep[]): Buffer[] {
  const head = new Writer();
  head.string(1, pipelineRun);
  head.string(2, taskRun);
  const out: Buffer[] = [];
  for (const s of steps) {
    const w = new Writer();
    w.string(1, s.step);
    if (s.stepIndex) w.varint(2, s.stepIndex);
    if (s.eof) w.varint(4, 1);
    if (s.firstSeq) w.varint(5, s.firstSeq);
    const { packedMeta, packedLines } = s.lines;
    if (packedMeta.length) w.lengthOf(7, packedMeta.length);
    const fields = w.take();
    const lengthOfLines = packedLines.length ? lengthPrefix(8, packedLines.length) : EMPTY;
    const size = fields.length + packedMeta.length + lengthOfLines.length + packedLines.length;
    out.push(lengthPrefix(3, size), fields, packedMeta, lengthOfLines, packedLines);
  }
  return [head.take(), ...out.filter((b) => b.length > 0)];
}

// Pure: the web UI bundles contract/ for its constants, and a browser has no Buffer to call.
const EMPTY = /* @__PURE__ */ Buffer.alloc(0);

function lengthPrefix(field: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(2 * MAX_VARINT);
  return b.subarray(0, putVarint(b, putVarint(b, 0, tag(field, LEN)), length));
}

/** Tags, varints and strings into a growing buffer. */
class Writer {
  private buf = Buffer.allocUnsafe(256);
  private at = 0;

  varint(field: number, n: number): void {
    this.room(2 * MAX_VARINT);
    this.at = putVarint(this.buf, putVarint(this.buf, this.at, tag(field, VARINT)), n);
  }

  /** A length-delimited field's tag and length; its bytes follow in a buffer of their own. */
  lengthOf(field: number, length: number): void {
    this.room(2 * MAX_VARINT);
    this.at = putVarint(this.buf, putVarint(this.buf, this.at, tag(field, LEN)), length);
  }

  string(field: number, text: string): void {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    this.lengthOf(field, bytes);
    this.room(bytes);
    this.at += this.buf.write(text, this.at, 'utf8');
  }

  take(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

/** A LogAck that does not parse; the message says where. */
export class LogAckError extends Error {}

/** A LogAck's steps: step name → next_seq (fields it does not know are skipped, as protobuf does). */
export function readLogAck(bytes: Uint8Array): Map<string, number> {
  const acks = new Map<string, number>();
  const top = new Reader(bytes, 0, bytes.length);
  while (!top.done) {
    const key = top.varint();
    if (key === tag(1, LEN)) {
      const length = top.varint();
      const ack = new Reader(bytes, top.at, top.at + length);
      top.skipBytes(length);
      let step = '';
      let nextSeq = 0;
      while (!ack.done) {
        const k = ack.varint();
        if (k === tag(1, LEN)) step = ack.string();
        else if (k === tag(2, VARINT)) nextSeq = ack.varint();
        else ack.skip(k);
      }
      acks.set(step, nextSeq);
    } else top.skip(key);
  }
  return acks;
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly end: number,
  ) {
    if (end > bytes.length) throw new LogAckError(`a field's length runs past the ${bytes.length} bytes`);
  }

  get done(): boolean {
    return this.at >= this.end;
  }

  varint(): number {
    let n = 0;
    for (let scale = 1; ; scale *= 0x80) {
      if (this.at >= this.end) throw new LogAckError(`a varint is cut off at byte ${this.at}`);
      if (scale > 2 ** 63) throw new LogAckError(`a varint is longer than 10 bytes at byte ${this.at}`);
      const b = this.bytes[this.at++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
    }
  }

  string(): string {
    const length = this.varint();
    const from = this.at;
    this.skipBytes(length);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + from, length).toString('utf8');
  }

  skipBytes(length: number): void {
    if (this.at + length > this.end) throw new LogAckError(`a field's length runs past its message at byte ${this.at}`);
    this.at += length;
  }

  /** Skips the value of a field of another number, by its wire type. */
  skip(key: number): void {
    const type = key % 8;
    if (type === VARINT) this.varint();
    else if (type === LEN) this.skipBytes(this.varint());
    else if (type === 1) this.skipBytes(8);
    else if (type === 5) this.skipBytes(4);
    else throw new LogAckError(`wire type ${type} at byte ${this.at} (field ${Math.floor(key / 8)})`);
  }
}

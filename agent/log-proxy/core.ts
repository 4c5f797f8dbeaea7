// The log proxy's core: tail every step's spool → batch → send → keep the acked position. Pure
// logic over an injected ProxyIO (real files and HTTP in io.ts, fakes in tests). One batch is in
// flight at a time and at most maxBatchBytes are read ahead of the acked offsets, so memory stays
// bounded however much a step writes: the spool on disk is the buffer.
import { SPOOL_MAX_RECORD } from '../../contract/index.js';
import { SpoolGates } from './gates.js';
import type { PackedLines } from '../../contract/index.js';
import { MAX_SPOOL_HEADER, PackArena, packSpoolChunk } from './spool-parser.js';

const NOTHING = Buffer.alloc(0);
/** A batch entry that only registers a step's stream, no lines in it. */
const NO_LINES: PackedLines = { packedLines: NOTHING, packedMeta: NOTHING };

export interface StepPosition {
  /** Byte offset in the spool of the first record not yet acked. */
  offset: number;
  /** Its seq. */
  seq: number;
  /** The collector has acked this step's end. */
  eof: boolean;
}

export interface StepBatch {
  step: string;
  stepIndex: number;
  /** The step's records from seq `firstSeq`, packed for the wire; null once sent. */
  lines: PackedLines | null;
  firstSeq: number;
  eof: boolean;
  /** Where this step stands once the batch is acked. */
  after: StepPosition;
}

/** A send that may work later (collector down, 5xx). Anything else a send throws is permanent. */
export class TransientSendError extends Error {}

export interface ProxyIO {
  /**
   * Up to maxBytes of step i's spool from offset; empty when it does not exist (yet). The bytes
   * may live in a buffer reused by the next read, of any step: they are packed before it.
   */
  readSpool(stepIndex: number, offset: number, maxBytes: number): Promise<Buffer>;
  spoolName(stepIndex: number): string;
  /** Step i's post file (out or out.err) exists: the step has ended. */
  stepEnded(stepIndex: number): Promise<boolean>;
  /**
   * Delivers a batch; answers each step's acked next seq. Absent: nothing is shipped. The lines'
   * bytes stay as they are until its promise settles, and are reused for a later batch after.
   */
  send?(steps: StepBatch[]): Promise<Map<string, number>>;
  /** Sets step i's spool gate (the size its spool may grow to; null: none). Absent: no gates. */
  setGate?(stepIndex: number, size: number | null): Promise<void>;
  /** Step i's spool size in bytes (0 when it does not exist yet). */
  spoolSize?(stepIndex: number): Promise<number>;
  loadPosition(stepIndex: number): Promise<StepPosition | null>;
  savePosition(stepIndex: number, p: StepPosition): Promise<void>;
  /** Resolves when a spool or post file may have changed, or after at most ms. */
  waitForChange(ms: number): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
  warn(message: string): void;
  /** True once what is read should go at once, without lingering (kiln-agent host: its shipping is being stopped). */
  hurry?(): boolean;
}

export interface ProxyConfig {
  steps: string[];
  /** Give up this long after the last step ended (ms); absent: never. */
  deadlineMs?: number;
  /** Unacked bytes a step's spool may hold before its output is held back (gates.ts); absent: no limit. */
  spoolLimit?: number;
  maxBatchBytes?: number;
  maxBatchLines?: number;
  /** Batches sent before the first is acked. */
  maxInFlight?: number;
  idleWaitMs?: number;
  /**
   * Output of steps still running is held this long before it is sent, so that what they print
   * next, and a short step's end, go in the same batch; a step's end, or a batch of
   * LINGER_MAX_BYTES, is sent at once. 0 (the default): sent as soon as it is read.
   */
  lingerMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

export interface ProxyOutcome {
  delivered: boolean;
  /** Per step not fully delivered: what is missing. */
  undelivered: { step: string; stepIndex: number; fromSeq: number; fromOffset: number }[];
  lastError?: string;
}

// Batches of 4 MiB / 32 000 lines: a round trip per batch, so 256 KiB batches shipped 64 MB end to
// end at 12.7 MB/s against 17.7 at 1 MiB (one run, bench/logs-e2e.bench.ts), and 4 MiB took the
// proxy's and the collector's CPU for 64 MB from 0.32–0.35 / 0.62–0.68 s to 0.25–0.30 / 0.57–0.64
// (three runs each at load 14, packed lines with no per-line garbage since).
// A batch ends at a record's end, and a step's first record is taken whatever its lines, so a
// batch may pass maxBatchLines by one record (at most SPOOL_MAX_RECORD + 1 empty lines): still
// under the collector's 100 000 lines, and its 8 MiB body under the collector's limit.
const DEFAULTS = {
  maxBatchBytes: 4 * 1024 * 1024,
  maxBatchLines: 32_000,
  maxInFlight: 2,
  idleWaitMs: 100,
  lingerMs: 0,
  backoff: { initialMs: 100, maxMs: 2000 },
};

/** A batch this large is sent without lingering: waiting would not save a round trip worth having. */
export const LINGER_MAX_BYTES = 64 * 1024;

/** Whether the batch may wait for more: lines of running steps only, and few of them. */
const mayLinger = (batch: StepBatch[]) =>
  batch.every((b) => !b.eof) && batch.reduce((n, b) => n + (b.lines?.packedLines.length ?? 0), 0) < LINGER_MAX_BYTES;

/** At least one whole record must fit in a read, or a long record would never be read. */
const MIN_READ = SPOOL_MAX_RECORD + MAX_SPOOL_HEADER + 2;

export async function runLogProxy(cfg: ProxyConfig, io: ProxyIO): Promise<ProxyOutcome> {
  const gates = new SpoolGates(io, cfg.steps, cfg.spoolLimit);
  try {
    return await ship({ ...DEFAULTS, ...cfg }, io, gates);
  } finally {
    await gates.liftAll();
  }
}

async function ship(c: typeof DEFAULTS & ProxyConfig, io: ProxyIO, gates: SpoolGates): Promise<ProxyOutcome> {
  const pos: StepPosition[] = [];
  for (let i = 0; i < c.steps.length; i++) {
    pos.push((await io.loadPosition(i)) ?? { offset: 0, seq: 0, eof: false });
    await gates.ack(i, pos[i]);
  }
  // Where reading has got to: ahead of pos by the batches in flight.
  let readPos = pos.map((p) => ({ ...p }));
  const inFlight: { batch: StepBatch[]; answer: Promise<Map<string, number> | Error> }[] = [];
  const ended = c.steps.map(() => false);
  // Steps the collector has a stream for (acked once, or shipped before a restart): see collectBatch.
  const registered = pos.map((p) => p.eof || p.seq > 0);
  let allEndedAt: number | null = null;
  let lastError: string | undefined;
  let backoff = c.backoff.initialMs;
  const saver = new PositionSaver(io);
  // A batch's packed lines live in an arena until its answer: batch n uses arena n % maxInFlight,
  // whose last user, batch n − maxInFlight, has been answered (fewer than maxInFlight are in flight
  // when a batch is collected). Room for a batch's bytes and its table (16 bytes a 100-byte line).
  const arenas = Array.from(
    { length: c.maxInFlight },
    () => new PackArena(Math.ceil((c.maxBatchBytes + MIN_READ) * 1.25)),
  );
  let sent = 0;
  /** When the lines read but held back (lingerMs) are sent at the latest; null: none held. */
  let lingerUntil: number | null = null;

  const pastDeadline = () => c.deadlineMs !== undefined && allEndedAt !== null && io.now() - allEndedAt > c.deadlineMs;
  const outcome = (): ProxyOutcome => {
    const undelivered = pos.flatMap((p, i) =>
      p.eof ? [] : [{ step: c.steps[i], stepIndex: i, fromSeq: p.seq, fromOffset: p.offset }],
    );
    return { delivered: undelivered.length === 0, undelivered, lastError };
  };

  for (;;) {
    for (let i = 0; i < c.steps.length; i++) if (!ended[i]) ended[i] = await io.stepEnded(i);
    if (allEndedAt === null && ended.every(Boolean)) allEndedAt = io.now();
    if (!io.send) {
      // Spool only: nothing to deliver, done once every step has ended.
      if (allEndedAt !== null) return { delivered: true, undelivered: [] };
      await io.waitForChange(c.idleWaitMs);
      continue;
    }
    if (pos.every((p) => p.eof) || pastDeadline()) {
      await Promise.all(inFlight.map((f) => f.answer));
      await saver.flush(pos, pastDeadline, () => io.sleep(c.backoff.maxMs));
      return outcome();
    }

    // Keep up to maxInFlight batches going, so reading the next overlaps the collector storing this one.
    if (inFlight.length < c.maxInFlight) {
      const arena = arenas[sent % arenas.length]!;
      arena.reset();
      const batch = await collectBatch(c, io, readPos, ended, registered, arena.take);
      if (batch.length > 0 && c.lingerMs > 0 && inFlight.length === 0 && mayLinger(batch) && !io.hurry?.()) {
        lingerUntil ??= io.now() + c.lingerMs;
        const left = lingerUntil - io.now();
        if (left > 0) {
          // Read again after the wait (or a change): the same lines, and what came since.
          await io.waitForChange(left);
          continue;
        }
      }
      if (batch.length > 0) {
        lingerUntil = null;
        sent++;
        for (const b of batch) readPos[b.stepIndex] = b.after;
        const answer = io.send(batch).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
        // Keep only the bookkeeping while it is in flight: the bytes are the send's until it settles.
        inFlight.push({ batch: batch.map((b) => ({ ...b, lines: null })), answer });
        continue;
      }
    }
    const head = inFlight.shift();
    if (!head) {
      await io.waitForChange(c.idleWaitMs);
      continue;
    }
    const answer = await head.answer;
    const failure = answer instanceof Error ? answer : ackShortfall(head.batch, answer);
    if (!failure) {
      for (const b of head.batch) {
        registered[b.stepIndex] = true;
        pos[b.stepIndex] = b.after;
        await saver.save(b.stepIndex, b.after);
        await gates.ack(b.stepIndex, b.after);
      }
      backoff = c.backoff.initialMs;
      continue;
    }
    // Start again from the acked positions: the batches behind this one are resent too.
    lastError = failure.message;
    await Promise.all(inFlight.splice(0).map((f) => f.answer));
    readPos = pos.map((p) => ({ ...p }));
    if (!(failure instanceof TransientSendError)) {
      await saver.flush(
        pos,
        () => true,
        () => io.sleep(0),
      );
      return outcome();
    }
    await gates.check(pos, lastError);
    await io.sleep(backoff);
    backoff = Math.min(backoff * 2, c.backoff.maxMs);
  }
}

/**
 * Keeps the acked positions on disk for a restarted proxy. A save that fails (the state directory
 * full: ENOSPC) does not stop shipping: the position in memory is the truth, the step is marked
 * unsaved and saved again with its next ack, and once more, retried, before the proxy exits.
 */
class PositionSaver {
  private unsaved = new Set<number>();
  constructor(private io: ProxyIO) {}

  async save(i: number, p: StepPosition): Promise<boolean> {
    try {
      await this.io.savePosition(i, p);
    } catch (err) {
      if (!this.unsaved.has(i))
        this.io.warn(`cannot save step ${i}'s position (${(err as Error).message}); shipping goes on, retrying`);
      this.unsaved.add(i);
      return false;
    }
    if (this.unsaved.delete(i)) this.io.warn(`step ${i}'s position is saved again`);
    return true;
  }

  /** Retries every unsaved position until all are saved or giveUp() says so. */
  async flush(pos: StepPosition[], giveUp: () => boolean, pause: () => Promise<void>): Promise<void> {
    for (;;) {
      for (const i of [...this.unsaved]) await this.save(i, pos[i]);
      if (this.unsaved.size === 0) return;
      if (giveUp()) {
        this.io.warn(
          `steps ${[...this.unsaved].join(', ')}: positions not saved (a restarted proxy resends from older ones)`,
        );
        return;
      }
      await pause();
    }
  }
}

function ackShortfall(batch: StepBatch[], acks: Map<string, number>): TransientSendError | null {
  for (const b of batch) {
    const acked = acks.get(b.step);
    if (acked === undefined || acked < b.after.seq)
      return new TransientSendError(`the collector acked ${b.step} up to seq ${acked}, not ${b.after.seq}`);
  }
  return null;
}

/**
 * Reads ahead of the acked positions, at most maxBatchBytes in all, into one batch.
 *
 * The collector lists a task run's logs stream by stream in the order the streams first reached it.
 * Steps are read one after another while they run, so a step can end, and the next one print,
 * between the read that found the first one empty and the read of the next: the next one's lines
 * would then make its stream first. So a step shipped while an earlier one has no stream yet brings
 * an empty entry for that one before it, and `kiln logs` shows steps in their order.
 */
async function collectBatch(
  c: typeof DEFAULTS & ProxyConfig,
  io: ProxyIO,
  pos: StepPosition[],
  ended: boolean[],
  registered: boolean[],
  alloc: (bytes: number) => Buffer,
): Promise<StepBatch[]> {
  const out: StepBatch[] = [];
  const registerEarlier = (i: number) => {
    for (let k = (out.at(-1)?.stepIndex ?? -1) + 1; k < i; k++) {
      if (registered[k] || pos[k]!.eof) continue;
      out.push({ step: c.steps[k]!, stepIndex: k, lines: NO_LINES, firstSeq: pos[k]!.seq, eof: false, after: pos[k]! });
    }
  };
  let budget = c.maxBatchBytes;
  let lines = c.maxBatchLines;
  for (let i = 0; i < c.steps.length && budget > 0 && lines > 0; i++) {
    const p = pos[i];
    if (p.eof) continue;
    const want = Math.max(budget, MIN_READ);
    const chunk = await io.readSpool(i, p.offset, want);
    const { count, consumed, ...packed } = packSpoolChunk(chunk, io.spoolName(i), p.offset, lines, alloc);
    // The step ended before this read (ended[] is checked first), so a short read means the
    // spool is complete; bytes left over then are a record the entrypoint never finished.
    const leftover = chunk.length - consumed;
    const eof = ended[i] && chunk.length < want && (leftover === 0 || count === 0);
    if (eof && leftover > 0) io.warn(`${io.spoolName(i)}: ${leftover} bytes of a cut-off last record; not shipped`);
    if (count === 0 && !eof) continue;
    registerEarlier(i);
    out.push({
      step: c.steps[i],
      stepIndex: i,
      lines: packed,
      firstSeq: p.seq,
      eof,
      after: { offset: p.offset + consumed, seq: p.seq + count, eof },
    });
    budget -= consumed;
    lines -= count;
  }
  return out;
}

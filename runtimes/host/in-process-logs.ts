// A task run's logs stored by the process that runs it (kiln run with its embedded collector): the
// runtime already hears every line its steps and sidecars write, for the console; the same lines
// go to a LogSink in this process, instead of a log proxy in the host runner reading the spools
// again and sending them back over loopback HTTP to the collector in this very process. That
// shipping cost examples/node-app's run 50–90 ms (its CPU in the runner and here, on two cores
// beside the steps). The spools are written as before: what could not be stored is reported
// with the spool that keeps it, as a log proxy reports it.
import type { StepLogs } from '../../contract/index.js';
import type { LogShipping } from './log-proxy-sidecar.js';

export interface SinkLine {
  stream: 'stdout' | 'stderr';
  timeMs: number;
  text: string;
}

/** A step's lines from seq `firstSeq` on (seq counts a step's lines from 0), and whether it has ended. */
export interface SinkStep {
  step: string;
  stepIndex: number;
  firstSeq: number;
  lines: SinkLine[];
  eof: boolean;
}

/** Where the lines go; write() stores a batch whole or rejects, one batch at a time. */
export interface LogSink {
  write(batch: { pipelineRun: string; taskRun: string; steps: SinkStep[] }): Promise<void>;
}

/** Lines wait this long for more, so a chatty step is stored in batches, not a write per line. */
const FLUSH_MS = 20;
/** Bytes of text waiting that are written at once, whatever the wait. */
const FLUSH_BYTES = 1 << 20;

export class InProcessLogs implements LogShipping {
  readonly pid = undefined;
  readonly endsBeforeLogs = true;
  private readonly pending: SinkLine[][];
  private pendingBytes = 0;
  /** Per step: lines handed to the sink (the next one's seq), whether its stream exists there, its end. */
  private readonly queued: number[];
  private readonly registered: boolean[];
  private readonly ended: boolean[];
  private readonly eofSent: boolean[];
  /** Per step: lines that will never be stored (the sink failed, or the shipping was stopped). */
  private readonly lost: number[];
  private stopped = false;
  private failure: string | undefined;
  private writes: Promise<void> = Promise.resolve();
  /** Batches handed on and not yet stored: counted as lost if the shipping is stopped before. */
  private readonly unsettled = new Set<SinkStep[]>();
  private readonly killed: Promise<void>;
  private onKilled!: () => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: LogSink,
    private readonly pipelineRun: string,
    private readonly taskRun: string,
    private readonly steps: string[],
    private readonly spool: (i: number) => string,
    private readonly onWarning: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.pending = steps.map(() => []);
    this.queued = steps.map(() => 0);
    this.registered = steps.map(() => false);
    this.ended = steps.map(() => false);
    this.eofSent = steps.map(() => false);
    this.lost = steps.map(() => 0);
    this.killed = new Promise((resolve) => (this.onKilled = resolve));
  }

  /** Step (or sidecar) i wrote a line. */
  line(i: number, stream: 'stdout' | 'stderr', text: string): void {
    if (i < 0 || i >= this.steps.length) return;
    if (this.stopped) {
      this.lost[i]!++;
      return;
    }
    this.pending[i]!.push({ stream, timeMs: this.now(), text });
    this.pendingBytes += text.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Step i's agent ended: after its last line, its stream is closed. */
  stepEnded(i: number): void {
    if (i < 0 || i >= this.steps.length || this.ended[i]) return;
    this.ended[i] = true;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  finished(limitMs?: number): Promise<StepLogs[]> {
    this.ended.fill(true);
    this.flush();
    const bound =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            this.onWarning(`the logs are not stored ${limitMs} ms after the last step ended; giving up on them`);
            this.kill();
          }, limitMs);
    return Promise.race([this.writes, this.killed]).then(() => {
      clearTimeout(bound);
      if (this.failure) this.onWarning(`logs not stored: ${this.failure}`);
      return this.steps.map((_, i): StepLogs => {
        const lines = this.lost[i]!;
        return lines === 0
          ? { logsComplete: true }
          : { logsComplete: false, logsUndelivered: { lines, spool: this.spool(i) } };
      });
    });
  }

  /** Nothing more is stored: what waits and what comes is counted as not delivered. */
  kill(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let i = 0; i < this.pending.length; i++) {
      this.lost[i]! += this.pending[i]!.length;
      this.pending[i] = [];
    }
    for (const steps of this.unsettled) this.count(steps);
    this.unsettled.clear();
    this.onKilled();
  }

  /** What waits, as one batch; a step is sent with the steps before it that have no stream yet, so the streams are listed in step order. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    let last = this.steps.length - 1;
    while (last >= 0 && !this.due(last)) last--;
    const steps: SinkStep[] = [];
    for (let i = 0; i <= last; i++) {
      if (!this.due(i) && this.registered[i]) continue;
      const lines = this.pending[i]!;
      steps.push({ step: this.steps[i]!, stepIndex: i, firstSeq: this.queued[i]!, lines, eof: this.ended[i]! });
      this.pending[i] = [];
      this.queued[i]! += lines.length;
      this.registered[i] = true;
      if (this.ended[i]) this.eofSent[i] = true;
    }
    this.pendingBytes = 0;
    if (steps.length === 0) return;
    const batch = { pipelineRun: this.pipelineRun, taskRun: this.taskRun, steps };
    this.unsettled.add(steps);
    this.writes = this.writes.then(async () => {
      if (this.stopped) return;
      try {
        await this.sink.write(batch);
        this.unsettled.delete(steps);
      } catch (err) {
        // The next batches would leave a gap in seq: nothing more is stored.
        this.failure ??= err instanceof Error ? err.message : String(err);
        this.kill();
      }
    });
  }

  /** Step i has lines waiting, or an end not yet sent. */
  private due(i: number): boolean {
    return this.pending[i]!.length > 0 || (this.ended[i]! && !this.eofSent[i]);
  }

  private count(steps: SinkStep[]): void {
    for (const s of steps) this.lost[s.stepIndex]! += s.lines.length;
  }
}

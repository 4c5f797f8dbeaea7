// The console of `kiln run`. On a terminal: the steps' output prefixed `task/step |`, and below
// it a live block (one line per task run) redrawn in place. Otherwise: the same prefixed lines
// and a status line each time a task run changes status. The lines that arrive in one turn of the
// event loop go out in one write (and on a terminal under one redraw of the block): a write per
// line made a step printing 64 MB of 100-byte lines cost `kiln run` ≈ 0.9 s of writes alone into
// /dev/null, and on a terminal the block was redrawn after every line.
import type { RunRecord } from '../contract/index.js';
import type { OutputLine } from '../runtimes/host/index.js';
import { type Paint, plain } from './colour.js';
import { progressBlock, summary, taskLabel, taskLine } from './run-progress.js';

export interface ConsoleStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_EVERY_MS = 250;
/** Held-back output past this many characters is written at once, whatever the turn: memory stays bounded. */
const HOLD_CHARS = 256 * 1024;

export interface ConsoleOptions {
  /** Colours (colour.ts paintFor): status marks and durations, the prefix of stderr lines. */
  paint?: Paint;
  /** Where notices go when there is no live block (default: `out`). */
  err?: ConsoleStream;
}

export class RunConsole {
  private record?: RunRecord;
  private drawn = 0;
  private lastStatus: string[] = [];
  private timer?: NodeJS.Timeout;
  /** Step output not yet written, and the turn's end that writes it. */
  private held: string[] = [];
  private heldChars = 0;
  private writing?: NodeJS.Immediate;

  private paint: Paint;
  private err: ConsoleStream;

  constructor(
    private out: ConsoleStream,
    private live: boolean,
    private now: () => number = Date.now,
    o: ConsoleOptions = {},
  ) {
    this.paint = o.paint ?? plain;
    this.err = o.err ?? out;
    if (live) this.timer = setInterval(() => this.redraw(), REDRAW_EVERY_MS).unref();
  }

  output(line: OutputLine): void {
    const t = this.record?.tasks.find((r) => r.taskRun === line.taskRun);
    const label = t ? taskLabel(t) : line.task;
    const prefix = `${label}/${line.step} |`;
    const text = `${line.stream === 'stderr' ? this.paint.err(prefix) : prefix} ${line.line}\n`;
    this.held.push(text);
    this.heldChars += text.length;
    if (this.heldChars >= HOLD_CHARS) this.flush();
    else this.writing ??= setImmediate(() => this.flush());
  }

  /** Writes the step output held back; anything else written to the console's terminal goes after it. */
  flush(): void {
    if (this.writing) clearImmediate(this.writing);
    this.writing = undefined;
    if (this.held.length === 0) return;
    const text = this.held.join('');
    this.held = [];
    this.heldChars = 0;
    this.above(text);
  }

  /**
   * A message of kiln's own (Ctrl-C's "cancelling…"): above the live block, so the block's
   * redraw still erases exactly its own lines and none is left stale above the summary.
   */
  notice(text: string): void {
    this.flush();
    if (this.live) this.above(`${text}\n`);
    else this.err.write(`${text}\n`);
  }

  change(record: RunRecord): void {
    this.flush();
    this.record = record;
    if (this.live) return this.redraw();
    record.tasks.forEach((t, i) => {
      if (this.lastStatus[i] === t.status) return;
      this.lastStatus[i] = t.status;
      if (t.status !== 'Pending') this.out.write(`${taskLine(t, this.now(), 0, this.paint)}\n`);
    });
  }

  finish(record: RunRecord): void {
    this.flush();
    clearInterval(this.timer);
    this.erase();
    this.out.write(`${summary(record, this.paint)}\n`);
  }

  /** Writes text above the live block (or plainly). */
  private above(text: string): void {
    this.erase();
    this.out.write(text);
    this.draw();
  }

  private erase(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.live || !this.record) return;
    const lines = progressBlock(this.record, this.now(), this.out.columns || 100, this.paint);
    this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  private redraw(): void {
    this.erase();
    this.draw();
  }
}

// The console of one of several runs `kiln run` runs at once (a file of several Tekton runs): every
// line it writes, the steps' output and kiln's own, starts with the run's label, so the interleaved
// lines of the runs stay readable. Whole lines only: a write is held until its line ends.
import type { ConsoleStream } from './run-console.js';

export class LabelledStream implements ConsoleStream {
  private partial = '';
  /** Never a terminal: the live block redrawn in place is for one run alone. */
  readonly isTTY = false;

  constructor(
    private readonly to: ConsoleStream,
    private readonly label: string,
  ) {}

  write(text: string): boolean {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    if (lines.length) this.to.write(lines.map((line) => `${this.label} ${line}\n`).join(''));
    return true;
  }

  /** What is left without its newline, written once the run is done. */
  flush(): void {
    if (this.partial) this.to.write(`${this.label} ${this.partial}\n`);
    this.partial = '';
  }
}

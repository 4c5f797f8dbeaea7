// Splits a byte stream into whole lines, so step output reaches the console one intact line at a
// time even when the pipe delivers pieces. A line longer than maxLine is passed on in pieces.
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private onLine: (line: string) => void,
    private maxLine = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.pushText(this.decoder.write(chunk));
  }

  /** Text already cut at whole characters (kiln-agent host's `out` events): no decoding. */
  pushText(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    while (this.partial.length > this.maxLine) {
      this.onLine(this.partial.slice(0, this.maxLine));
      this.partial = this.partial.slice(this.maxLine);
    }
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.onLine(rest);
  }
}

// Back-pressure from the log proxy: while the collector does not ack, the proxy's gate file
// (contract spoolGateFile) stops growing, and once the spool reaches it the entrypoint stops
// reading the command's output, so the command blocks in its writes until lines are acked: the
// spool on disk stays bounded and no line is dropped. No gate file: nothing ships this spool (or
// the proxy has not started yet), no limit.
import { readFileSync } from 'node:fs';
import { readSpoolGateText } from '../../contract/index.js';

/** With no gate file, look for one again after this many more bytes (a proxy that starts late). */
const RECHECK_BYTES = 4 * 1024 * 1024;
/** Reads again of a gate met half written before it counts as unchanged. */
const TORN_RETRIES = 3;

export class SpoolGate {
  /** The spool may grow while below this size; 0 first, so the first check reads the file. */
  private allowed = 0;

  constructor(
    private readonly file: string,
    private readonly size: () => number,
    private readonly pollMs = 50,
  ) {}

  /** The spool is below the gate (or there is none). */
  hasRoom(): boolean {
    const size = this.size();
    if (size < this.allowed) return true;
    this.allowed = this.readGate(size);
    return size < this.allowed;
  }

  /** Calls `fn` once the spool has room again; answers a cancel. */
  whenRoom(fn: () => void): () => void {
    const timer = setInterval(() => {
      if (!this.hasRoom()) return;
      clearInterval(timer);
      fn();
    }, this.pollMs);
    return () => clearInterval(timer);
  }

  private readGate(size: number): number {
    for (let attempt = 0; ; attempt++) {
      let text: string;
      try {
        text = readFileSync(this.file, 'latin1');
      } catch {
        return size + RECHECK_BYTES; // no gate (yet)
      }
      const gate = readSpoolGateText(text);
      // Anything but a gate is not the proxy's: hold nothing back.
      if (gate === null) return Infinity;
      if (gate !== 'torn') return gate;
      // Read beside the proxy's write (it rewrites the file in place): it is done in microseconds.
      // Still torn: keep the gate as it was, and whenRoom's next look reads it again.
      if (attempt === TORN_RETRIES) return this.allowed;
    }
  }
}

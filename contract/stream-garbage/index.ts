// Keeps memory flat, and V8's full collections off the event loop, where a process reads a flood
// of bytes through Node's streams: every chunk read from a pipe or socket (the agent's child's
// output, the collector's log bodies as Node's HTTP parser hands them over) is a fresh buffer of up
// to 64 KiB outside the V8 heap. V8 collects them only once tens of MB have piled up ("external
// memory pressure"): in the agent that was a naive tee's RSS peak; in the collector, 1–5
// mark-compacts of 3–12 ms each on the event loop per 64 MB of logs when it rested between floods,
// with concurrent marking beside them (node --trace-gc on a `kiln collector` fed by the log proxy).
// The chunks die young, so a young-generation collection every few MB frees them in a millisecond
// or two and no full collection is needed.
// A face of its own, not contract/index.ts: it loads node:v8 and node:vm.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

type Gc = (options: { type: 'minor' | 'major' }) => void;
let gc: Gc | null | undefined;

function collector(): Gc | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    } catch {
      gc = null; // not allowed here: V8's own schedule still bounds memory, just higher
    }
  }
  return gc;
}

/** Counts bytes passed through; collects young garbage every COLLECT_EVERY_BYTES. */
export class GarbageBudget {
  private sinceLast = 0;
  add(bytes: number): void {
    this.sinceLast += bytes;
    if (this.sinceLast < COLLECT_EVERY_BYTES) return;
    this.sinceLast = 0;
    collector()?.({ type: 'minor' });
  }
}

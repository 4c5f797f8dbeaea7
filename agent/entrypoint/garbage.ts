// Keeps the agent's memory flat under heavy output. Every chunk read from a pipe is a fresh 64 KiB
// buffer outside the V8 heap; V8 collects them only once tens of MB have piled up ("external memory
// pressure"), which is where a naive tee's RSS peak comes from. A young-generation collection every
// few MB frees them in well under a millisecond and caps the peak.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

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

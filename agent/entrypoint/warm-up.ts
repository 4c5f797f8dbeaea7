// Node compiles its own functions lazily, on their first call, and V8's code cache of the agent's
// bundle holds only the agent's: in an entrypoint the first spawn of a child with piped output (the
// spawn itself, its stdio sockets, the error and close events) was compiled after the go-ahead,
// about half of a hand-off between steps. A spawn that fails runs that code while the step still
// waits (hand-off of 50 steps of `true`: 6.9-7.4 ms a step against 12.7-14.9 without), and so
// does the first date written as text (V8 loads the time zone then, though the termination
// message's StartedAt is UTC). The spawn's program cannot exist: procfs has no "-1" in a
// process's fd directory, and without a procfs the path does not exist either. ENOENT is the
// failure Node reports as an 'error' event; others throw before the stdio sockets are made,
// leaving most of the path cold.
import { spawn } from 'node:child_process';

export const WARM_UP_PROGRAM = '/proc/self/fd/-1';

/** Resolves once the failed spawn has closed; never rejects. */
export function warmUp(): Promise<void> {
  new Date().toISOString();
  return new Promise((resolve) => {
    try {
      const child = spawn(WARM_UP_PROGRAM, [], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', () => undefined);
      child.stderr!.on('data', () => undefined);
      child.once('error', () => undefined);
      child.once('close', () => resolve());
    } catch {
      resolve(); // a warm-up only: the step's own spawn reports what is wrong
    }
  });
}

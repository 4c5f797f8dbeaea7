// Time for the driver. The engine itself never reads a clock; the driver asks this one, so tests
// run whole pipelines in fake time.

export interface Clock {
  now(): number;
  /** Calls `fn` once `now() >= at`; answers a function that cancels it. */
  setTimer(at: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fn) {
    const timer = setTimeout(fn, Math.max(0, at - Date.now()));
    return () => clearTimeout(timer);
  },
};

import type { Clock } from '../engine/index.js';

/** The clock engines run on: their timers are the controller's (`timers`, cancelled when it stops), so a stopped controller holds none. */
export function engineClock(clock: Clock, timers: Set<() => void>): Clock {
  return {
    now: () => clock.now(),
    setTimer: (at, fn) => {
      const timer = { cancel: () => {} };
      timer.cancel = clock.setTimer(at, () => {
        timers.delete(timer.cancel);
        fn();
      });
      timers.add(timer.cancel);
      return () => {
        timers.delete(timer.cancel);
        timer.cancel();
      };
    },
  };
}

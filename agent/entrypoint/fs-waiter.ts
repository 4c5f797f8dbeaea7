// Waits for a file through inotify (fs.watch on its directory). Tekton polls once a second; here a
// post file wakes the next step within a millisecond or so. Two fallbacks: a slow safety poll beside
// the watch, for file systems that send no events (NFS, some FUSE mounts); and a fast poll when no
// watch can be had at all, e.g. once a user's inotify instances run out (fs.inotify.
// max_user_instances is 128 on many hosts, and every waiting agent holds one).
import { mkdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { ERR_SUFFIX } from '../../contract/index.js';
import type { WaitOutcome, Waiter } from './core.js';

export const SAFETY_POLL_MS = 250;
export const UNWATCHED_POLL_MS = 20;

function sizeOf(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

export type WatchDirectory = (dir: string, onEvent: () => void) => FSWatcher;
const watchWithInotify: WatchDirectory = (dir, onEvent) => watch(dir, { persistent: true }, onEvent);

export class FsWaiter implements Waiter {
  constructor(
    private readonly pollMs = { watched: SAFETY_POLL_MS, unwatched: UNWATCHED_POLL_MS },
    private readonly watchDir: WatchDirectory = watchWithInotify,
  ) {}

  waitFor(path: string, opts: { content: boolean }): Promise<WaitOutcome> {
    return new Promise((resolve) => {
      // Declared before check() and assigned after it: an event during set-up must find them.
      // eslint-disable-next-line prefer-const
      let watcher: FSWatcher | undefined;
      // eslint-disable-next-line prefer-const
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const check = () => {
        if (done) return;
        const size = sizeOf(path);
        // As Tekton: the file itself wins over its .err twin.
        const outcome: WaitOutcome | null =
          size !== null && (!opts.content || size > 0) ? 'ready' : sizeOf(path + ERR_SUFFIX) !== null ? 'skip' : null;
        if (outcome === null) return;
        done = true;
        watcher?.close();
        clearInterval(timer);
        resolve(outcome);
      };
      watcher = this.watchDirectory(dirname(path), check);
      timer = setInterval(check, watcher ? this.pollMs.watched : this.pollMs.unwatched);
      check(); // after arming the watch, so a file created in between is not missed
    });
  }

  /**
   * The directory is created when missing (the previous step creates it only when it finishes,
   * and a watch needs it to exist); when that or the watch fails, polling alone carries on.
   */
  private watchDirectory(dir: string, onEvent: () => void): FSWatcher | undefined {
    try {
      mkdirSync(dir, { recursive: true });
      const watcher = this.watchDir(dir, onEvent);
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      return undefined;
    }
  }
}

import { mkdtempSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsWaiter } from '../../../agent/entrypoint/fs-waiter.js';

/** Polls too slow to matter: what resolves these waits is the inotify event. */
const HOUR = { watched: 3_600_000, unwatched: 3_600_000 };
const dir = () => mkdtempSync(join(tmpdir(), 'kiln-waiter-'));

/** Resolves on the next event in `d`: by then the waiter's own watch has seen it too. */
function nextEvent(d: string): Promise<void> {
  return new Promise((resolve) => {
    const w = watch(d, () => {
      w.close();
      resolve();
    });
  });
}

describe('FsWaiter', () => {
  it('resolves ready when the file appears, in a directory that did not exist yet', async () => {
    const d = dir();
    const waiting = new FsWaiter(HOUR).waitFor(`${d}/run/0/out`, { content: false });
    // the waiter creates the directory so that it can watch it
    await new Promise((r) => setImmediate(r));
    writeFileSync(`${d}/run/0/out`, '');
    await expect(waiting).resolves.toBe('ready');
  });

  it('resolves skip when the .err twin appears', async () => {
    const d = dir();
    const waiting = new FsWaiter(HOUR).waitFor(`${d}/out`, { content: false });
    writeFileSync(`${d}/out.err`, '');
    await expect(waiting).resolves.toBe('skip');
  });

  it('prefers the file over its .err twin when both exist, as Tekton does', async () => {
    const d = dir();
    writeFileSync(`${d}/out`, '');
    writeFileSync(`${d}/out.err`, '');
    await expect(new FsWaiter().waitFor(`${d}/out`, { content: false })).resolves.toBe('ready');
  });

  it('with content, ignores an empty file and resolves once it has bytes', async () => {
    const d = dir();
    let settled = false;
    const waiting = new FsWaiter(HOUR).waitFor(`${d}/ready`, { content: true }).then((o) => ((settled = true), o));
    const seen = nextEvent(d);
    writeFileSync(`${d}/ready`, '');
    await seen;
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    writeFileSync(`${d}/ready`, 'go');
    await expect(waiting).resolves.toBe('ready');
  });

  it('falls back to polling when the directory cannot be watched', async () => {
    const d = dir();
    const noEvents = () => {
      throw new Error('ENOSYS: no inotify here');
    };
    const waiting = new FsWaiter({ watched: 60 * 60_000, unwatched: 10 }, noEvents).waitFor(`${d}/out`, {
      content: false,
    });
    writeFileSync(`${d}/out`, '');
    await expect(waiting).resolves.toBe('ready');
  });
});

// The readiness of a sidecar without probes, on an engine without a kubelet (the host engine,
// podman): its agent writes the settled file once the command has settled, ended or the bound
// passed (contract SIDECAR_SETTLE, agent/entrypoint/settle-watch.ts); this waits for that word.
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SettledWord } from '../../contract/index.js';

/** How often `alive` is asked while no word has come (as probes are retried without periodSeconds). */
const ALIVE_CHECK_MS = 100;

/**
 * The agent's word from `file` (in a directory that exists before the agent starts: it is watched),
 * or `gone` once `alive` says the sidecar ended or the task run stopped without one.
 */
export async function awaitSettled(file: string, alive: () => boolean): Promise<SettledWord | 'gone'> {
  let wake: () => void = () => undefined;
  const watcher = (() => {
    try {
      return watch(dirname(file), (_, name) => name === basename(file) && wake());
    } catch {
      return undefined; // the directory is gone: the sidecar is, too (alive says so)
    }
  })();
  watcher?.on('error', () => undefined);
  try {
    for (;;) {
      const word = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (word === 'settled' || word === 'ended' || word === 'unsettled') return word;
      if (!alive()) return 'gone';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ALIVE_CHECK_MS);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    watcher?.close();
  }
}

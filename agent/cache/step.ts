// The cache around a step's command, for `kiln-agent entrypoint`: a Runner that
// restores before the command and saves after it succeeds. Wrapping the runner keeps the
// entrypoint's sequencing core unaware of the cache: to it, restore and save are part of the run.
import { readFile } from 'node:fs/promises';
import { KilnError } from '../../contract/index.js';
import type { RunOutcome, RunRequest, Runner } from '../entrypoint/core.js';
import { restoreCache, saveCache, type StepCacheOptions } from './cache.js';
import type { StepCacheFlags } from './flags.js';
import type { CacheStore } from './store.js';

/** Set for the step's command: `true` when the exact key was restored. */
export const CACHE_HIT_ENV = 'KILN_CACHE_HIT';

/**
 * Each store is loaded only when a step uses it: the HTTP one brings undici, ≈45 ms of a local
 * step's start (its whole module graph evaluated) that a local cache never needs.
 */
async function openStore(flags: StepCacheFlags): Promise<CacheStore> {
  if ('dir' in flags.store) return new (await import('./local-store.js')).LocalCacheStore(flags.store.dir);
  const token = (await readFile(flags.store.tokenFile, 'utf8')).trim();
  return new (await import('./http-store.js')).HttpCacheStore(flags.store.url, token);
}

/** Restores before the command and saves after it succeeds; returns the step's cache record with the outcome. */
export class CachingRunner implements Runner {
  constructor(
    private readonly inner: Runner,
    private readonly flags: StepCacheFlags,
    private readonly log: (line: string) => void,
    /** The command's environment (the agent's own: the command inherits it). */
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** The command's working directory (the agent's own: the command inherits it). */
    private readonly cwd: string = process.cwd(),
  ) {}

  prepare(): Promise<void> {
    return this.inner.prepare();
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    let store: CacheStore;
    try {
      store = await openStore(this.flags);
    } catch (err) {
      this.log(`cache: warning: no cache for this step: ${(err as Error).message}`);
      this.env[CACHE_HIT_ENV] = 'false';
      return this.inner.run(request);
    }
    const o: StepCacheOptions = {
      spec: this.flags.spec,
      workspace: this.flags.workspace ?? this.cwd,
      home: this.env.HOME,
      store,
      log: this.log,
    };
    let state;
    try {
      state = await restoreCache(o);
    } catch (err) {
      // The store's own failures are warnings inside restoreCache; what reaches here is a key that
      // cannot be evaluated (no hashFiles match, a bad path, an unreadable file): the pipeline's error.
      const hint = err instanceof KilnError && 'hint' in err && typeof err.hint === 'string' ? ` (${err.hint})` : '';
      return { exitCode: 1, timedOut: false, spawnError: `cache: ${(err as Error).message}${hint}` };
    }
    // Like actions/cache's cache-hit output: a step may skip its install when the exact key hit.
    this.env[CACHE_HIT_ENV] = String(state.record.hit);
    const outcome = await this.inner.run(request);
    const succeeded = outcome.exitCode === 0 && !outcome.timedOut && !outcome.spawnError;
    // The record travels in the termination message (entrypoint/core.ts), the same locally and in a pod.
    const cache = succeeded ? await saveCache(o, state) : state.record;
    return { ...outcome, cache };
  }
}

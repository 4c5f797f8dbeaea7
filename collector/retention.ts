// Retention: `--retain 30d` (age) and `--keep-last N` (per pipeline), applied periodically.
import type { RetentionPolicy, Store } from './store/types.js';

export interface RetentionConfig {
  retainMs?: number;
  keepLast?: number;
}

function policyAt(cfg: RetentionConfig, nowMs: number): RetentionPolicy {
  return {
    olderThanMs: cfg.retainMs === undefined ? undefined : nowMs - cfg.retainMs,
    keepLast: cfg.keepLast,
  };
}

/** Deletes what the configuration rejects at time nowMs; answers the run ids deleted. */
export function applyRetentionAt(store: Store, cfg: RetentionConfig, nowMs: number): Promise<string[]> {
  return store.applyRetention(policyAt(cfg, nowMs));
}

/** Applies the policy now and then every intervalMs; answers a stop function. */
export function scheduleRetention(
  store: Store,
  cfg: RetentionConfig,
  intervalMs: number,
  onError: (err: unknown) => void,
  now: () => number = Date.now,
): () => void {
  if (cfg.retainMs === undefined && cfg.keepLast === undefined) return () => undefined;
  const apply = () => {
    applyRetentionAt(store, cfg, now()).catch(onError);
  };
  apply();
  const timer = setInterval(apply, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

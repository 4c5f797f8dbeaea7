// Retention: `--retain 30d` (age) and `--keep-last N` (per pipeline), applied periodically.
import { UsageError } from '../contract/errors.js';
import type { RetentionPolicy, Store } from './store/types.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration like `30d`, `12h`, `90m`. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${text}: not a duration`, 'write a number and a unit: 30d, 12h, 90m, 2w');
  return Number(m[1]) * UNIT_MS[m[2]];
}

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
export function scheduleRetention(store: Store, cfg: RetentionConfig, intervalMs: number,
  onError: (err: unknown) => void, now: () => number = Date.now): () => void {
  if (cfg.retainMs === undefined && cfg.keepLast === undefined) return () => undefined;
  const apply = () => { applyRetentionAt(store, cfg, now()).catch(onError); };
  apply();
  const timer = setInterval(apply, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

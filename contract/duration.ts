// The one duration grammar of every part (pipeline timeouts, the agent's -timeout, the collector's
// retention, CLI flags): Go's time.ParseDuration, as Tekton writes durations ("500ms", "10s",
// "1m30s", "1.5h", "0"), plus days and weeks ("30d", "2w"), which Go lacks and retention needs.
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w)/y;

/** The longest delay a Node timer can hold (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds for a duration, or undefined when the text is not one. Surrounding blanks are
 * ignored; "0" is zero, as in Go; a sign other than a leading "+" is refused.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s.length === 0 || s.length > 64) return undefined;
  let i = s.startsWith('+') ? 1 : 0;
  if (i === s.length) return undefined;
  let total = 0;
  while (i < s.length) {
    PART.lastIndex = i;
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = PART.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** A command-line duration: milliseconds, or a UsageError naming the flag. */
export function durationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new UsageError(`${flag} ${value}: not a duration`, 'e.g. 500ms, 30s, 10m, 1h30m, 30d, 2w');
  return ms;
}

/**
 * A duration as Go's Duration.String() writes it, which Go, Tekton and this module all read back:
 * "250ms" under a second, else hours, minutes and seconds ("1h0m0s", "1m30s", "1.5s"), "0s" for 0.
 */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

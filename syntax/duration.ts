// Go-style durations (Tekton's spelling): 500ms, 10s, 1m30s, 1.5h, 0 → milliseconds.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
/** Longer than any pipeline should run; keeps setTimeout (max 2^31-1 ms) honest. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** Returns milliseconds, or undefined when `text` is not a Go duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Math.round(total);
}

// Go's time.ParseDuration syntax, as Tekton passes -timeout: "500ms", "10s", "1m30s", "1.5h".
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds for a Go duration, or null when the text is not one. "0" is zero, as in Go. */
export function parseGoDuration(text: string): number | null {
  if (text === '0') return 0;
  if (text.length === 0 || text.length > 64 || text.startsWith('-')) return null;
  let i = text.startsWith('+') ? 1 : 0;
  if (i === text.length) return null;
  let total = 0;
  while (i < text.length) {
    PART.lastIndex = i;
    const m = PART.exec(text);
    if (!m) return null;
    total += Number(m[1]) * UNIT_MS[m[2]];
    i = PART.lastIndex;
  }
  return Number.isFinite(total) ? total : null;
}

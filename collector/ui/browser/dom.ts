// Building DOM without innerHTML: every piece of run data and log text goes in as a text node, so
// markup in a log line (`<script>`, `<img onerror>`) is shown, never parsed.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;

function fill(el: Element, attrs: Attrs, children: Child[]): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  fill(el, attrs, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  fill(el, attrs, children);
  return el;
}

/** "1h 2m", "3m 4s", "42s", "5.2s", "–" for unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** Milliseconds from start to finish; a run still going counts up to now. */
export function durationMs(startedAt?: string | null, finishedAt?: string | null, now = Date.now()): number | null {
  if (!startedAt) return null;
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return end - Date.parse(startedAt);
}

export function formatTime(iso?: string | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A status as a coloured badge; the class is chosen from a fixed list, never taken from the data. */
const STATUSES = ['Queued', 'Running', 'Succeeded', 'Failed', 'TimedOut', 'Cancelled', 'Skipped', 'Pending'];
export function statusClass(status: string): string {
  return STATUSES.includes(status) ? `st-${status}` : 'st-other';
}
export function badge(status: string): HTMLElement {
  return h('span', { class: `badge ${statusClass(status)}` }, status);
}

export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href }, ...children);
}

/** `#/run/ID` style addresses with each part encoded. */
export function route(...parts: string[]): string {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

/** Shows a failure under a view (main.ts turns a 401 into the token form before this). */
export function showError(root: HTMLElement) {
  return (err: unknown) => root.append(h('p', { class: 'error' }, (err as Error).message));
}

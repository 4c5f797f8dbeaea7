// Durations that keep counting while something runs: an element made by liveDuration shows the
// time since its start and is updated every second by one timer for the whole page.
import { formatDuration, h } from './dom.js';

export function liveDuration(startedAt: string | undefined, finishedAt?: string | null): HTMLElement {
  const el = h('span', { class: 'duration' });
  if (startedAt && !finishedAt) el.setAttribute('data-live-since', startedAt);
  el.textContent = formatDuration(
    startedAt ? (finishedAt ? Date.parse(finishedAt) : Date.now()) - Date.parse(startedAt) : null,
  );
  return el;
}

/** Starts the page's one ticking timer. */
export function startLiveDurations(doc: Document = document): void {
  setInterval(() => {
    doc.querySelectorAll<HTMLElement>('[data-live-since]').forEach((el) => {
      el.textContent = formatDuration(Date.now() - Date.parse(el.getAttribute('data-live-since')!));
    });
  }, 1000);
}

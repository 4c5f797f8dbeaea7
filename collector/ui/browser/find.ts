// Find in the log view: a box whose text marks the matching lines (case-insensitive), says how
// many match, and steps through them with Enter (Shift+Enter back), scrolling each into view.
import { h } from './dom.js';

export function findInLog(lines: HTMLElement) {
  const input = h('input', { type: 'search', name: 'find', placeholder: 'find in log' });
  const count = h('span', { class: 'dim find-count' });
  let at = -1;
  const matches = () => Array.from(lines.querySelectorAll<HTMLElement>('.line.found'));
  const refresh = () => {
    const q = input.value.toLowerCase();
    let n = 0;
    for (const line of Array.from(lines.children)) {
      const hit = !!q && (line.getAttribute('data-text') ?? '').includes(q);
      line.classList.toggle('found', hit);
      if (hit) n++;
    }
    count.textContent = q ? `${n} matching line${n === 1 ? '' : 's'}` : '';
  };
  const go = (step: number) => {
    const found = matches();
    if (!found.length) return;
    found[at]?.classList.remove('current');
    at = (at + step + found.length) % found.length;
    found[at]!.classList.add('current');
    found[at]!.scrollIntoView({ block: 'center' });
  };
  input.addEventListener('input', () => {
    at = -1;
    refresh();
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    go(ev.shiftKey ? -1 : 1);
  });
  return { box: h('span', { class: 'find' }, input, ' ', count), refresh };
}

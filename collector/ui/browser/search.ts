// `#/search?q=TEXT`: a search box over every run's logs (GET /v1/search: a literal,
// case-insensitive match), each hit with its time, run, task and step, the match marked.
import { getJson, query, type LogLine } from './api.js';
import { h, link, route } from './dom.js';

type Hit = LogLine & { run: string };

/** The text with each case-insensitive occurrence of `q` in a <mark> (as text nodes, never markup). */
export function marked(text: string, q: string): (string | HTMLElement)[] {
  if (!q) return [text];
  const out: (string | HTMLElement)[] = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    out.push(text.slice(at, i), h('mark', {}, text.slice(i, i + needle.length)));
    at = i + needle.length;
  }
  out.push(text.slice(at));
  return out;
}

export const logTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

export function searchBox(q = ''): HTMLFormElement {
  const input = h('input', { type: 'search', name: 'q', value: q, placeholder: 'search all logs', required: true });
  return h(
    'form',
    {
      class: 'search',
      onsubmit: (ev) => {
        ev.preventDefault();
        location.hash = `#/search?${query({ q: input.value })}`;
      },
    },
    input,
    ' ',
    h('button', { type: 'submit' }, 'search'),
  );
}

export async function searchView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  if (!q) return void root.replaceChildren(h('h1', {}, 'Search logs'), searchBox());
  const { hits } = await getJson<{ hits: Hit[] }>(`/v1/search?${query({ q, limit: 200 })}`);
  root.replaceChildren(
    h('h1', {}, 'Search logs'),
    searchBox(q),
    h('p', { class: 'dim hit-count' }, `${hits.length}${hits.length === 200 ? '+' : ''} lines match "${q}"`),
    h(
      'table',
      { class: 'hits' },
      h(
        'tbody',
        {},
        ...hits.map((l) =>
          h(
            'tr',
            { 'data-run': l.run },
            h('td', { class: 'time' }, logTime(l.time)),
            h('td', {}, link(route('run', l.run), l.run)),
            h(
              'td',
              {},
              link(`${route('run', l.run, 'logs')}?${query({ task: l.task, step: l.step })}`, `${l.task}/${l.step}`),
            ),
            h('td', { class: `text ${l.stream === 'stderr' ? 'stderr' : ''}` }, ...marked(l.text, q)),
          ),
        ),
      ),
    ),
  );
}

// Run history: newest first, filtered by pipeline and status, one more page at a time with the
// API's cursor (`limit=` in the address sets the page size).
import { api, query, type RunSummary } from './api.js';
import { badge, durationMs, formatDuration, formatTime, h, link, route, showError } from './dom.js';

const PAGE = 50;
const RUN_STATUSES = ['Queued', 'Running', 'Succeeded', 'Failed', 'TimedOut', 'Cancelled'];

function runRow(r: RunSummary): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-run': r.id },
    h('td', {}, link(route('run', r.id), r.id)),
    h('td', {}, link(route('charts', r.pipeline), r.pipeline)),
    h('td', {}, badge(r.status)),
    h('td', {}, formatTime(r.startedAt)),
    h('td', { class: 'num' }, formatDuration(durationMs(r.startedAt, r.finishedAt))),
  );
}

export async function historyView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter = { pipeline: params.get('pipeline') ?? '', status: params.get('status') ?? '' };
  const limit = Number(params.get('limit')) || PAGE;
  const pipeline = h('input', { name: 'pipeline', placeholder: 'pipeline', value: filter.pipeline });
  const status = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'any status'),
    ...RUN_STATUSES.map((s) => h('option', { value: s, selected: s === filter.status }, s)),
  );
  // The filter lives in the address, so a filtered history can be bookmarked and the back button works.
  const apply = (ev: Event) => {
    ev.preventDefault();
    location.hash = `#/runs?${query({ pipeline: pipeline.value.trim(), status: status.value, limit: params.get('limit') ?? undefined })}`;
  };
  status.addEventListener('change', apply);
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'more' }, 'more');
  const empty = h('p', { class: 'empty', hidden: true }, 'No runs match.');
  root.replaceChildren(
    h('h1', {}, 'Runs'),
    h('form', { class: 'filters', onsubmit: apply }, pipeline, status, h('button', { type: 'submit' }, 'filter')),
    h(
      'table',
      { class: 'runs' },
      h('thead', {}, h('tr', {}, ...['run', 'pipeline', 'status', 'started', 'duration'].map((c) => h('th', {}, c)))),
      body,
    ),
    empty,
    more,
  );

  let cursor: string | undefined;
  const load = async () => {
    more.disabled = true;
    const page = await api.runs({ pipeline: filter.pipeline, status: filter.status, limit, cursor });
    body.append(...page.runs.map(runRow));
    cursor = page.next ?? undefined;
    more.hidden = !page.next;
    more.disabled = false;
    empty.hidden = body.childElementCount > 0;
  };
  more.addEventListener('click', () => {
    load().catch(showError(root));
  });
  await load();
}

// A run's logs, for the whole run, one task run or one step: pages by the API's cursor, and a
// "follow" toggle that streams new lines as they arrive (fetch over the SSE endpoint).
import { api, followLogs, query, type LogLine } from './api.js';
import { h, link, route, showError } from './dom.js';
import { runHeader } from './run.js';
import { findInLog } from './find.js';
import { logTime } from './search.js';

const PAGE = 500;

export async function logsView(
  root: HTMLElement,
  id: string,
  params: URLSearchParams,
  signal: AbortSignal,
): Promise<void> {
  const task = params.get('task') ?? '';
  const step = params.get('step') ?? '';
  const limit = Number(params.get('limit')) || PAGE;
  const run = await api.run(id);

  const taskSel = h(
    'select',
    { name: 'task' },
    h('option', { value: '' }, 'all tasks'),
    ...run.tasks.map((t) => h('option', { value: t.taskRun, selected: t.taskRun === task }, t.taskRun)),
  );
  const steps = run.tasks.find((t) => t.taskRun === task)?.steps ?? [];
  const stepSel = h(
    'select',
    { name: 'step', disabled: !task },
    h('option', { value: '' }, 'all steps'),
    ...steps.map((s) => h('option', { value: s.name, selected: s.name === step }, s.name)),
  );
  const go = (t: string, s: string) => {
    location.hash = `${route('run', id, 'logs')}?${query({ task: t, step: s })}`;
  };
  taskSel.addEventListener('change', () => go(taskSel.value, ''));
  stepSel.addEventListener('change', () => go(taskSel.value, stepSel.value));

  const lines = h('div', { class: 'log', role: 'log' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'more');
  const empty = h('p', { class: 'empty', hidden: true }, 'No lines yet.');
  const follow = h('input', { type: 'checkbox', name: 'follow' });
  const find = findInLog(lines);
  const state = h('span', { class: 'dim follow-state' });
  root.replaceChildren(
    runHeader(run),
    h('p', {}, link(route('run', id), 'back to the run')),
    h('div', { class: 'filters' }, taskSel, stepSel, h('label', {}, follow, ' follow'), state, find.box),
    lines,
    empty,
    more,
  );

  // Following starts from a log's first line: lines already on the page are recognised and skipped.
  const shown = new Set<string>();
  const add = (l: LogLine) => {
    const key = `${l.task}\u0000${l.step}\u0000${l.seq}`;
    if (shown.has(key)) return;
    shown.add(key);
    empty.hidden = true;
    lines.append(
      h(
        'div',
        { class: `line ${l.stream === 'stderr' ? 'stderr' : ''}`, 'data-text': l.text.toLowerCase() },
        h('span', { class: 'ts' }, `${logTime(l.time)} `),
        h('span', { class: 'where' }, task && step ? '' : `${l.task}/${l.step} `),
        h('span', { class: 'text' }, l.text),
      ),
    );
    find.refresh();
  };

  let cursor: string | undefined;
  const loadPage = async () => {
    more.disabled = true;
    const page = await api.logs(id, { task, step, from: cursor, limit });
    page.lines.forEach(add);
    cursor = page.next ?? undefined;
    more.hidden = !page.next || follow.checked;
    more.disabled = false;
  };
  more.addEventListener('click', () => {
    loadPage().catch(showError(root));
  });

  let following: AbortController | null = null;
  signal.addEventListener('abort', () => following?.abort());
  follow.addEventListener('change', () => {
    following?.abort();
    following = null;
    if (!follow.checked) {
      state.textContent = '';
      return;
    }
    const ctl = new AbortController();
    following = ctl;
    more.hidden = true;
    state.textContent = 'following…';
    followLogs(id, { task, step }, add, ctl.signal, (s) => {
      state.textContent = s === 'reconnecting' ? 'lost the collector; reconnecting…' : 'following…';
    }).then(
      (ended) => {
        if (!ended) return;
        state.textContent = 'the log has ended';
        follow.checked = false;
      },
      (err) => {
        state.textContent = '';
        follow.checked = false;
        showError(root)(err);
      },
    );
  });
  await loadPage();
  empty.hidden = lines.childElementCount > 0;
}

// One run: its summary, the timeline of its task runs, and each task run's steps and results.
import {
  reasonText,
  type AttemptRecord,
  type RunRecord,
  type StepRecord,
  type TaskRunRecord,
} from '../../../contract/index.js';
import { api, query } from './api.js';
import { badge, durationMs, formatDuration, formatTime, h, link, route, showError } from './dom.js';
import { timeline } from './timeline.js';
import { dagGraph } from './dag.js';
import { liveDuration } from './live.js';
import { approvalsPanel } from './approval.js';

function logsHref(run: string, task?: string, step?: string): string {
  return `${route('run', run, 'logs')}?${query({ task, step })}`;
}

function cacheCell(s: StepRecord): HTMLElement | string {
  if (!s.cache) return '';
  return h(
    'span',
    { class: s.cache.hit ? 'cache-hit' : 'cache-miss', title: `key ${s.cache.key}` },
    s.cache.hit ? 'cache hit' : 'cache miss',
  );
}

/**
 * A running task's first step not yet ended is running, even while the record still lists it
 * Pending (a runtime reports a step's state when it ends): shown Running.
 */
export function shownSteps(t: TaskRunRecord): StepRecord[] {
  if (t.status !== 'Running' || t.steps.some((s) => s.status === 'Running')) return t.steps;
  const i = t.steps.findIndex((s) => s.status === 'Pending');
  return t.steps.map((s, j) => (j === i ? { ...s, status: 'Running', startedAt: s.startedAt ?? lastEnd(t, j) } : s));
}
const lastEnd = (t: TaskRunRecord, j: number) => (j > 0 ? t.steps[j - 1]!.finishedAt : t.startedAt);

function stepList(run: string, t: TaskRunRecord): HTMLElement {
  return h(
    'table',
    { class: 'steps' },
    ...shownSteps(t).map((s) =>
      h(
        'tr',
        { 'data-step': s.name },
        h('td', {}, link(logsHref(run, t.taskRun, s.name), s.name)),
        h('td', {}, badge(s.status)),
        h('td', { class: 'num' }, s.exitCode === null ? '' : `exit ${s.exitCode}`),
        h('td', { class: 'num' }, liveDuration(s.startedAt, s.finishedAt)),
        h('td', {}, cacheCell(s)),
        h('td', {}, s.reason ?? ''),
      ),
    ),
  );
}

function results(values: Record<string, unknown>, cls = 'results'): HTMLElement {
  return h(
    'dl',
    { class: cls },
    ...Object.entries(values).flatMap(([k, v]) => [
      h('dt', {}, k),
      h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v)),
    ]),
  );
}

/** Each ended task run of a retried or looping task: its name, how it ended, how long, why. */
function attemptList(history: AttemptRecord[] | undefined): HTMLElement | null {
  if (!history?.length) return null;
  return h(
    'ol',
    { class: 'attempts' },
    ...history.map((a) =>
      h(
        'li',
        { 'data-attempt': a.taskRun },
        a.iteration !== undefined ? `iteration ${a.iteration} ` : '',
        `try ${a.attempt + 1} `,
        badge(a.status),
        ` ${formatDuration(durationMs(a.startedAt, a.finishedAt))}`,
        a.reason ? ` ${a.reason}` : '',
      ),
    ),
  );
}

function taskRow(run: string, t: TaskRunRecord): HTMLTableRowElement {
  const matrix = t.matrix
    ? Object.entries(t.matrix)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : '';
  return h(
    'tr',
    { 'data-task': t.taskRun },
    h(
      'td',
      {},
      h('div', {}, link(logsHref(run, t.taskRun), t.taskRun)),
      t.name !== t.taskRun ? h('div', { class: 'dim' }, t.name) : null,
      matrix ? h('div', { class: 'dim' }, matrix) : null,
      t.finally ? h('div', { class: 'dim' }, 'finally') : null,
    ),
    h('td', {}, badge(t.status)),
    h('td', {}, reasonText(t)),
    h('td', { class: 'num' }, t.attempts, attemptList(t.history)),
    h('td', { class: 'num' }, liveDuration(t.startedAt, t.finishedAt)),
    h('td', {}, results(t.results)),
    h('td', {}, t.child ? childRun(run, t.child) : stepList(run, t)),
  );
}

/** A pipeline task's run, nested: its tasks (their logs are the whole run's, under their task run names). */
function childRun(run: string, child: RunRecord): HTMLElement {
  return h(
    'div',
    { class: 'child-run', 'data-child': child.id },
    h(
      'p',
      {},
      'pipeline ',
      h('strong', {}, child.name),
      ' ',
      badge(child.status),
      child.reason ? ` ${child.reason}` : '',
    ),
    tasksTable(run, child.tasks),
  );
}

function tasksTable(run: string, tasks: TaskRunRecord[]): HTMLElement {
  return h(
    'table',
    { class: 'tasks' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['task', 'status', 'reason', 'attempts', 'duration', 'results', 'steps'].map((c) => h('th', {}, c)),
      ),
    ),
    h('tbody', {}, ...tasks.map((t) => taskRow(run, t))),
  );
}

export function runHeader(run: RunRecord): HTMLElement {
  return h(
    'div',
    { class: 'run-head' },
    h('h1', {}, run.id, ' ', badge(run.status)),
    h(
      'p',
      {},
      'pipeline ',
      link(route('charts', run.name), run.name),
      ' · started ',
      formatTime(run.startedAt),
      ' · ',
      liveDuration(run.startedAt, run.finishedAt),
      run.engine ? ` · ${run.engine}` : '',
      run.reason ? ` · ${run.reason}` : '',
    ),
    Object.keys(run.params).length
      ? h(
          'p',
          { class: 'dim params' },
          'params: ',
          Object.entries(run.params)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(', '),
        )
      : null,
    run.results && Object.keys(run.results).length ? results(run.results, 'results run-results') : null,
    // What ran although it is most likely a slip (a reference left as written, docs/syntax.md).
    run.warnings?.length ? h('ul', { class: 'warnings' }, ...run.warnings.map((w) => h('li', {}, w))) : null,
  );
}

/** While the run is Running it is read again every few seconds, until it ends or the view is left. */
const REFRESH_MS = 2000;
/** The pending re-read of each view: a redraw asked for early (a decision made) replaces it. */
const refreshes = new WeakMap<HTMLElement, ReturnType<typeof setTimeout>>();

export async function runView(root: HTMLElement, id: string, signal: AbortSignal): Promise<void> {
  const run = await api.run(id);
  if (signal.aborted) return;
  clearTimeout(refreshes.get(root));
  if (run.status === 'Running' || run.status === 'Queued') {
    const timer = setTimeout(() => {
      runView(root, id, signal).catch(showError(root));
    }, REFRESH_MS);
    refreshes.set(root, timer);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  }
  const chart = timeline(run);
  const redraw = () => void runView(root, id, signal).catch(showError(root));
  root.replaceChildren(
    runHeader(run),
    approvalsPanel(run, redraw, root.querySelector('section.approvals')) ?? '',
    h('p', {}, link(logsHref(run.id), 'all logs')),
    h('h2', {}, 'Graph'),
    dagGraph(run) ?? '',
    h('h2', {}, 'Timeline'),
    chart ?? h('p', { class: 'empty' }, 'No task has started.'),
    h('h2', {}, 'Tasks'),
    tasksTable(run.id, run.tasks),
  );
}

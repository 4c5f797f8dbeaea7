// `#/pipelines`: every pipeline of the recent history (the newest 500 runs) with its last status,
// success rate, p50/p95 duration of finished runs and a sparkline of its last durations.
import { api, type RunSummary } from './api.js';
import { badge, formatDuration, h, link, route } from './dom.js';
import { sparkline } from './plot.js';
import { finishedDurations, percentile } from './run-stats.js';
import { successRate } from './charts.js';

const HISTORY = 500;
const TREND = 20;

function row(pipeline: string, runs: RunSummary[]): HTMLTableRowElement {
  const { succeeded, finished } = successRate(runs);
  const durations = finishedDurations(runs);
  const trend = finishedDurations(runs.slice(0, TREND)).reverse();
  return h(
    'tr',
    { 'data-pipeline': pipeline },
    h('td', {}, link(route('charts', pipeline), pipeline)),
    h('td', {}, badge(runs[0]!.status), ' ', link(route('run', runs[0]!.id), runs[0]!.id)),
    h('td', { class: 'num rate-cell' }, finished ? `${Math.round((100 * succeeded) / finished)}%` : '–'),
    h('td', { class: 'num' }, `${finished}`),
    h('td', { class: 'num p50' }, formatDuration(percentile(durations, 50))),
    h('td', { class: 'num p95' }, formatDuration(percentile(durations, 95))),
    h('td', {}, trend.length > 1 ? sparkline(trend) : ''),
  );
}

export async function pipelinesView(root: HTMLElement): Promise<void> {
  const { runs } = await api.runs({ limit: HISTORY });
  const by = new Map<string, RunSummary[]>();
  for (const r of runs) by.set(r.pipeline, [...(by.get(r.pipeline) ?? []), r]);
  root.replaceChildren(
    h('h1', {}, 'Pipelines'),
    h('p', { class: 'dim' }, `from the newest ${runs.length} runs`),
    by.size
      ? h(
          'table',
          { class: 'pipelines' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['pipeline', 'last run', 'success', 'finished', 'p50', 'p95', `last ${TREND} durations`].map((c) =>
                h('th', {}, c),
              ),
            ),
          ),
          h('tbody', {}, ...[...by].sort(([a], [b]) => a.localeCompare(b)).map(([p, rs]) => row(p, rs))),
        )
      : h('p', { class: 'empty' }, 'No runs yet.'),
  );
}

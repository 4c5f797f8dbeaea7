// A pipeline's charts from its history (GET /v1/runs, and the newest run records for task and
// cache figures; no extra storage): the duration of its last N runs over time, successes and
// failures per day, p50/p95, the slowest tasks and the cache hit rate. Axes have ticks and labels;
// each point or bar carries its value (plot.ts).
import type { RunRecord } from '../../../contract/index.js';
import { api, query, type RunSummary } from './api.js';
import { durationMs, formatDuration, h, route, statusClass, svg } from './dom.js';
import { chart, FRAME, linear, niceTicks, timeTicks, xAxis, yAxis } from './plot.js';
import { cacheHits, finishedDurations, percentile, perDay, slowestTasks, type Day } from './run-stats.js';

const SIZES = [10, 30, 100];
/** Run records read for the task and cache figures (one request each). */
const RECORDS = 10;

export function successRate(runs: RunSummary[]): { succeeded: number; finished: number } {
  const finished = runs.filter((r) => r.status !== 'Running' && r.status !== 'Queued');
  return { succeeded: finished.filter((r) => r.status === 'Succeeded').length, finished: finished.length };
}

const shortTime = (ms: number) => {
  const d = new Date(ms);
  return `${d.getMonth() + 1}/${d.getDate()} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};
const shortDay = (ms: number) => new Date(ms).toISOString().slice(5, 10);

/**
 * Each run a point at (start time, duration), coloured by status, joined oldest to newest. The
 * duration axis ends at the longest finished run, so a run left Running for days does not flatten
 * the others: its point is drawn at the top, marked `cut`.
 */
function durationTrend(runs: RunSummary[], now: number): SVGElement {
  const f = FRAME;
  const pts = [...runs]
    .reverse()
    .map((r) => ({ r, t: Date.parse(r.startedAt), ms: durationMs(r.startedAt, r.finishedAt, now) ?? 0 }));
  const finished = pts.filter((p) => p.r.status !== 'Running' && p.r.status !== 'Queued');
  const maxMs = Math.max(...(finished.length ? finished : pts).map((p) => p.ms), 1000);
  const t0 = Math.min(...pts.map((p) => p.t));
  const t1 = Math.max(...pts.map((p) => p.t), t0 + 1000);
  const x = linear(
    [t0, t1],
    [f.left + 8, f.width - f.right - 8],
    timeTicks(t1 - t0).map((d) => t0 + d),
  );
  const y = linear([0, maxMs], [f.height - f.bottom, f.top], timeTicks(maxMs, 5, true));
  const top = y.ticks[y.ticks.length - 1]!;
  const yOf = (ms: number) => y(Math.min(ms, top));
  return chart(
    'run durations over time',
    'duration-trend',
    f,
    yAxis(f, y, (v) => formatDuration(v), 'duration'),
    xAxis(f, x, shortTime, 'run started'),
    svg('polyline', {
      class: 'trend',
      fill: 'none',
      points: pts.map((p) => `${x(p.t).toFixed(1)},${yOf(p.ms).toFixed(1)}`).join(' '),
    }),
    ...pts.map((p) =>
      svg(
        'a',
        { href: route('run', p.r.id) },
        svg(
          'circle',
          {
            class: `point ${statusClass(p.r.status)}${p.ms > top ? ' cut' : ''}`,
            'data-run': p.r.id,
            'data-x': p.r.startedAt,
            'data-y': p.ms / 1000,
            cx: x(p.t),
            cy: yOf(p.ms),
            r: 4,
          },
          svg('title', {}, `${p.r.id}: ${p.r.status}, ${formatDuration(p.ms)}`),
        ),
      ),
    ),
  );
}

/** Per UTC day: succeeded (green) and failed (red) finished runs, side by side. */
function perDayBars(days: Day[]): SVGElement {
  const f = FRAME;
  const max = Math.max(...days.map((d) => Math.max(d.succeeded, d.failed)), 1);
  const y = linear(
    [0, max],
    [f.height - f.bottom, f.top],
    niceTicks(0, max, Math.min(max, 5)).filter((v) => Number.isInteger(v)),
  );
  const slot = (f.width - f.left - f.right) / days.length;
  const x = Object.assign((i: number) => f.left + slot * (i + 0.5), { ticks: days.map((_, i) => i) });
  const bar = (d: Day, i: number, kind: 'succeeded' | 'failed') => {
    const w = Math.min(slot * 0.35, 40);
    const x0 = x(i) + (kind === 'succeeded' ? -w : 0);
    return svg(
      'rect',
      {
        class: `bar ${kind} ${kind === 'succeeded' ? 'st-Succeeded' : 'st-Failed'}`,
        'data-x': shortDay(d.day),
        'data-y': d[kind],
        x: x0,
        y: y(d[kind]),
        width: w,
        height: f.height - f.bottom - y(d[kind]),
      },
      svg('title', {}, `${shortDay(d.day)}: ${d[kind]} ${kind}`),
    );
  };
  return chart(
    'successes and failures per day',
    'per-day',
    f,
    yAxis(f, y, String, 'runs'),
    xAxis(f, x, (i) => shortDay(days[i]!.day), 'day (UTC)'),
    ...days.flatMap((d, i) => [bar(d, i, 'succeeded'), bar(d, i, 'failed')]),
  );
}

function slowest(records: RunRecord[]): HTMLElement {
  const rows = slowestTasks(records);
  if (!rows.length) return h('p', { class: 'empty' }, 'No task has finished.');
  const max = rows[0]!.meanMs;
  return h(
    'table',
    { class: 'slowest' },
    h('thead', {}, h('tr', {}, h('th', {}, 'task'), h('th', {}, 'mean'), h('th', {}, 'runs'), h('th', {}, ''))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          { 'data-task': r.task },
          h('td', {}, r.task),
          h('td', { class: 'num' }, formatDuration(r.meanMs)),
          h('td', { class: 'num' }, r.runs),
          h(
            'td',
            {},
            // A progress element, not a styled span: the page's CSP allows no inline style.
            h('progress', { max: Math.round(max), value: Math.round(r.meanMs) }),
          ),
        ),
      ),
    ),
  );
}

export async function chartsView(root: HTMLElement, pipeline: string, params: URLSearchParams): Promise<void> {
  const n = Number(params.get('n')) || SIZES[1];
  const { runs } = await api.runs({ pipeline, limit: Math.min(n, 500) });
  const records = (await Promise.all(runs.slice(0, RECORDS).map((r) => api.run(r.id)))).filter(Boolean);
  const { succeeded, finished } = successRate(runs);
  const durations = finishedDurations(runs);
  const cache = cacheHits(records);
  const size = h(
    'select',
    { name: 'n' },
    ...SIZES.map((s) => h('option', { value: s, selected: s === n }, `last ${s} runs`)),
  );
  size.addEventListener('change', () => {
    location.hash = `${route('charts', pipeline)}?${query({ n: size.value })}`;
  });
  const days = perDay(runs);
  root.replaceChildren(
    h('h1', {}, pipeline),
    h(
      'p',
      {},
      h('a', { href: `#/runs?${query({ pipeline })}` }, 'history of this pipeline'),
      ' · ',
      h('a', { href: '#/pipelines' }, 'all pipelines'),
      ' ',
      size,
    ),
    h('h2', {}, 'Success rate'),
    h(
      'p',
      { class: 'rate' },
      finished
        ? `${Math.round((100 * succeeded) / finished)}% (${succeeded} of ${finished} finished runs succeeded)`
        : 'no finished runs',
    ),
    h(
      'p',
      { class: 'percentiles' },
      `duration p50 ${formatDuration(percentile(durations, 50))} · p95 ${formatDuration(percentile(durations, 95))}`,
    ),
    h('h2', {}, `Duration of the last ${runs.length} runs`),
    runs.length ? durationTrend(runs, Date.now()) : h('p', { class: 'empty' }, 'No runs.'),
    h('h2', {}, 'Successes and failures per day'),
    days.length ? perDayBars(days) : h('p', { class: 'empty' }, 'No finished runs.'),
    h('h2', {}, `Slowest tasks (mean over the last ${records.length} runs)`),
    slowest(records),
    h('h2', {}, 'Cache hit rate'),
    h(
      'p',
      { class: 'cache-rate' },
      cache.total
        ? `${Math.round((100 * cache.hits) / cache.total)}% (${cache.hits} of ${cache.total} cache restores hit the exact key)`
        : 'no step used the cache',
    ),
  );
}

// A pipeline's charts from its history (GET /v1/runs, no extra storage): the duration of its last
// N runs as bars coloured by status, and its success rate over the finished ones.
import { api, query, type RunSummary } from './api.js';
import { durationMs, formatDuration, h, route, statusClass, svg } from './dom.js';

const SIZES = [10, 30, 100];
const WIDTH = 900;
const HEIGHT = 220;
const AXIS = 20;

export function successRate(runs: RunSummary[]): { succeeded: number; finished: number } {
  const finished = runs.filter((r) => r.status !== 'Running' && r.status !== 'Queued');
  return { succeeded: finished.filter((r) => r.status === 'Succeeded').length, finished: finished.length };
}

/**
 * Oldest on the left; a bar's height is its duration against the longest finished run, so a run
 * left Running for days does not flatten the others (its bar is cut at the top instead).
 */
function durationBars(runs: RunSummary[], now: number): SVGElement {
  const series = [...runs].reverse().map((r) => ({ r, ms: durationMs(r.startedAt, r.finishedAt, now) ?? 0 }));
  const finished = series.filter((s) => s.r.status !== 'Running' && s.r.status !== 'Queued');
  const max = Math.max(...(finished.length ? finished : series).map((s) => s.ms), 1);
  const slot = WIDTH / Math.max(series.length, 1);
  const bars = series.map(({ r, ms }, i) => {
    const hgt = Math.max(Math.min(ms / max, 1) * (HEIGHT - AXIS - 10), 2);
    return svg(
      'a',
      { href: route('run', r.id) },
      svg(
        'rect',
        {
          class: `bar ${statusClass(r.status)}`,
          'data-run': r.id,
          x: i * slot + slot * 0.1,
          y: HEIGHT - AXIS - hgt,
          width: slot * 0.8,
          height: hgt,
        },
        svg('title', {}, `${r.id}: ${r.status}, ${formatDuration(ms)}`),
      ),
    );
  });
  return svg(
    'svg',
    { class: 'bars', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: '100%', role: 'img', 'aria-label': 'run durations' },
    svg('text', { x: 2, y: 12 }, formatDuration(max)),
    svg('line', { x1: 0, x2: WIDTH, y1: HEIGHT - AXIS, y2: HEIGHT - AXIS, class: 'axis' }),
    svg('text', { x: 2, y: HEIGHT - 4 }, 'oldest'),
    svg('text', { x: WIDTH - 2, y: HEIGHT - 4, 'text-anchor': 'end' }, 'newest'),
    ...bars,
  );
}

export async function chartsView(root: HTMLElement, pipeline: string, params: URLSearchParams): Promise<void> {
  const n = Number(params.get('n')) || SIZES[1];
  const { runs } = await api.runs({ pipeline, limit: Math.min(n, 500) });
  const { succeeded, finished } = successRate(runs);
  const size = h(
    'select',
    { name: 'n' },
    ...SIZES.map((s) => h('option', { value: s, selected: s === n }, `last ${s} runs`)),
  );
  size.addEventListener('change', () => {
    location.hash = `${route('charts', pipeline)}?${query({ n: size.value })}`;
  });
  root.replaceChildren(
    h('h1', {}, pipeline),
    h('p', {}, h('a', { href: `#/runs?${query({ pipeline })}` }, 'history of this pipeline'), ' ', size),
    h('h2', {}, 'Success rate'),
    h(
      'p',
      { class: 'rate' },
      finished
        ? `${Math.round((100 * succeeded) / finished)}% (${succeeded} of ${finished} finished runs succeeded)`
        : 'no finished runs',
    ),
    h('h2', {}, `Duration of the last ${runs.length} runs`),
    runs.length ? durationBars(runs, Date.now()) : h('p', { class: 'empty' }, 'No runs.'),
  );
}

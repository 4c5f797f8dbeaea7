// A Gantt-like timeline of a run's task runs: one row a task run, a bar from its start to its end
// (to now while it runs), on a shared time axis from the run's start.
import type { RunRecord } from '../../../contract/index.js';
import { formatDuration, statusClass, svg } from './dom.js';

const WIDTH = 900;
const LABEL = 200;
const ROW = 22;

export function timeline(run: RunRecord, now = Date.now()): SVGElement | null {
  const tasks = run.tasks.filter((t) => t.startedAt);
  if (!tasks.length) return null;
  const t0 = Date.parse(run.startedAt);
  const end = (s?: string) => (s ? Date.parse(s) : now);
  const t1 = Math.max(end(run.finishedAt), ...tasks.map((t) => end(t.finishedAt)));
  const span = Math.max(t1 - t0, 1);
  const x = (t: number) => LABEL + ((t - t0) / span) * (WIDTH - LABEL - 10);
  const height = tasks.length * ROW + 24;
  const rows = tasks.map((t, i) => {
    const y = i * ROW + 4;
    const a = x(Date.parse(t.startedAt!));
    const b = x(end(t.finishedAt));
    const took = formatDuration(end(t.finishedAt) - Date.parse(t.startedAt!));
    return svg(
      'g',
      { class: `task ${statusClass(t.status)}`, 'data-task': t.taskRun },
      svg('text', { x: LABEL - 6, y: y + 14, 'text-anchor': 'end' }, t.taskRun),
      svg(
        'rect',
        { x: a, y, width: Math.max(b - a, 2), height: ROW - 6, rx: 3 },
        svg('title', {}, `${t.taskRun}: ${t.status}, ${took}`),
      ),
    );
  });
  const axis = svg(
    'g',
    { class: 'axis' },
    svg('line', { x1: LABEL, x2: WIDTH - 10, y1: height - 18, y2: height - 18 }),
    svg('text', { x: LABEL, y: height - 4 }, '0s'),
    svg('text', { x: WIDTH - 10, y: height - 4, 'text-anchor': 'end' }, formatDuration(span)),
  );
  return svg(
    'svg',
    { class: 'timeline', viewBox: `0 0 ${WIDTH} ${height}`, width: '100%', role: 'img', 'aria-label': 'task timeline' },
    ...rows,
    axis,
  );
}

// A Gantt of a run's task runs: one row a task run, a bar from its start to its end (to now while
// it runs) on a time axis from the run's start with ticks at round durations, and before each bar
// its queue time: from when the task could start (the run's start, or the end of the last task it
// needs) to when it did.
import type { RunRecord, TaskRunRecord } from '../../../contract/index.js';
import { formatDuration, statusClass, svg } from './dom.js';
import { timeTicks } from './plot.js';

const WIDTH = 900;
const LABEL = 200;
const ROW = 22;
const AXIS = 34;

/** When a task run could have started: the run's start, or the last end among the tasks it needs. */
export function readyAt(run: RunRecord, t: TaskRunRecord): number {
  const ends = run.tasks.filter((p) => t.needs?.includes(p.name) && p.finishedAt).map((p) => Date.parse(p.finishedAt!));
  return Math.max(Date.parse(run.startedAt), ...ends);
}

export function timeline(run: RunRecord, now = Date.now()): SVGElement | null {
  const tasks = run.tasks.filter((t) => t.startedAt);
  if (!tasks.length) return null;
  const t0 = Date.parse(run.startedAt);
  const end = (s?: string) => (s ? Date.parse(s) : now);
  const t1 = Math.max(end(run.finishedAt), ...tasks.map((t) => end(t.finishedAt)));
  const span = Math.max(t1 - t0, 1);
  const x = (t: number) => LABEL + ((t - t0) / span) * (WIDTH - LABEL - 10);
  const height = tasks.length * ROW + AXIS;
  const rows = tasks.map((t, i) => {
    const y = i * ROW + 4;
    const start = Date.parse(t.startedAt!);
    const ready = Math.min(readyAt(run, t), start);
    const a = x(start);
    const b = x(end(t.finishedAt));
    const took = formatDuration(end(t.finishedAt) - start);
    return svg(
      'g',
      {
        class: `task ${statusClass(t.status)}`,
        'data-task': t.taskRun,
        'data-queued-ms': start - ready,
        'data-ms': end(t.finishedAt) - start,
      },
      svg('text', { x: LABEL - 6, y: y + 14, 'text-anchor': 'end' }, t.taskRun),
      start > ready
        ? svg(
            'rect',
            { class: 'queue', x: x(ready), y: y + 5, width: Math.max(a - x(ready), 1), height: ROW - 16 },
            svg('title', {}, `${t.taskRun}: queued ${formatDuration(start - ready)}`),
          )
        : null,
      svg(
        'rect',
        { class: 'span', x: a, y, width: Math.max(b - a, 2), height: ROW - 6, rx: 3 },
        svg('title', {}, `${t.taskRun}: ${t.status}, ${took}`),
      ),
    );
  });
  const base = height - AXIS + 4;
  const axis = svg(
    'g',
    { class: 'axis x-axis' },
    svg('line', { x1: LABEL, x2: WIDTH - 10, y1: base, y2: base }),
    ...timeTicks(span).map((ms) =>
      svg(
        'g',
        { class: 'tick', 'data-value': ms },
        svg('line', { class: 'grid', x1: x(t0 + ms), x2: x(t0 + ms), y1: 0, y2: base + 4 }),
        svg('text', { x: x(t0 + ms), y: base + 16, 'text-anchor': 'middle' }, formatDuration(ms)),
      ),
    ),
    svg(
      'text',
      { class: 'axis-title', x: (LABEL + WIDTH) / 2, y: height - 2, 'text-anchor': 'middle' },
      'time since the run started',
    ),
  );
  return svg(
    'svg',
    { class: 'timeline', viewBox: `0 0 ${WIDTH} ${height}`, width: '100%', role: 'img', 'aria-label': 'task timeline' },
    axis,
    ...rows,
  );
}

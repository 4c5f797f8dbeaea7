// Charts with axes: ticks at round values, labelled, and each data point an element carrying its
// value (data-x, data-y), so a test (or a reader with the inspector) can check what is drawn.
import { svg } from './dom.js';

export interface Frame {
  width: number;
  height: number;
  /** Room left for the y labels and below for the x labels. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}
export const FRAME: Frame = { width: 900, height: 240, left: 84, bottom: 36, top: 12, right: 40 };

/** About `count` round values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw <= s)!;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/**
 * Ticks from 0 at round durations (1 s … 1 week) within a span in ms; with `cover`, one more at or
 * past its end, so an axis can end on a tick.
 */
export function timeTicks(span: number, count = 6, cover = false): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800].map(
    (s) => s * 1000,
  );
  const step = steps.find((s) => span / s <= count) ?? steps[steps.length - 1]!;
  const out: number[] = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  if (cover && out[out.length - 1]! < span) out.push(out[out.length - 1]! + step);
  return out;
}

export interface Scale {
  (v: number): number;
  ticks: number[];
}

export function linear(domain: [number, number], range: [number, number], ticks: number[]): Scale {
  const [d0, d1] = [
    Math.min(domain[0], ticks[0] ?? domain[0]),
    Math.max(domain[1], ticks[ticks.length - 1] ?? domain[1]),
  ];
  const f = ((v: number) => range[0] + ((v - d0) / (d1 - d0 || 1)) * (range[1] - range[0])) as Scale;
  f.ticks = ticks;
  return f;
}

/** The x axis at the bottom of the frame: a line, a tick and a label at each tick. */
export function xAxis(f: Frame, x: Scale, label: (v: number) => string, title: string): SVGElement {
  const y = f.height - f.bottom;
  return svg(
    'g',
    { class: 'axis x-axis' },
    svg('line', { x1: f.left, x2: f.width - f.right, y1: y, y2: y }),
    ...x.ticks.map((v) =>
      svg(
        'g',
        { class: 'tick', 'data-value': v },
        svg('line', { x1: x(v), x2: x(v), y1: y, y2: y + 4 }),
        svg('text', { x: x(v), y: y + 16, 'text-anchor': 'middle' }, label(v)),
      ),
    ),
    svg(
      'text',
      { class: 'axis-title', x: (f.left + f.width - f.right) / 2, y: f.height - 2, 'text-anchor': 'middle' },
      title,
    ),
  );
}

/** The y axis at the left of the frame, with grid lines across at each tick. */
export function yAxis(f: Frame, y: Scale, label: (v: number) => string, title: string): SVGElement {
  return svg(
    'g',
    { class: 'axis y-axis' },
    svg('line', { x1: f.left, x2: f.left, y1: f.top, y2: f.height - f.bottom }),
    ...y.ticks.map((v) =>
      svg(
        'g',
        { class: 'tick', 'data-value': v },
        svg('line', { class: 'grid', x1: f.left - 4, x2: f.width - f.right, y1: y(v), y2: y(v) }),
        svg('text', { x: f.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, label(v)),
      ),
    ),
    svg(
      'text',
      {
        class: 'axis-title',
        x: 12,
        y: (f.top + f.height - f.bottom) / 2,
        transform: `rotate(-90 12 ${(f.top + f.height - f.bottom) / 2})`,
        'text-anchor': 'middle',
      },
      title,
    ),
  );
}

export function chart(label: string, cls: string, f: Frame, ...children: SVGElement[]): SVGElement {
  return svg(
    'svg',
    { class: `chart ${cls}`, viewBox: `0 0 ${f.width} ${f.height}`, width: '100%', role: 'img', 'aria-label': label },
    ...children,
  );
}

/** A small line of values (oldest first) without axes, for a table cell. */
export function sparkline(values: number[], width = 120, height = 24): SVGElement {
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  return svg(
    'svg',
    {
      class: 'sparkline',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': 'duration trend',
      'data-points': values.length,
    },
    svg('polyline', { points: pts.join(' '), fill: 'none' }),
  );
}

// A run's task graph (as Argo's and Tekton Dashboard's run views draw it): tasks in columns by
// depth (a task one column right of the deepest task it needs), an arrow for each `needs` edge,
// each node coloured by its state and linked to its logs; redrawn with the run page while it runs.
// Finally tasks form the last column. Matrix runs of one task are one node, its worst state.
import type { RunRecord, TaskRunRecord } from '../../../contract/index.js';
import { route, statusClass, svg } from './dom.js';

const COL = 190;
const ROW = 46;
const NODE_W = 150;
const NODE_H = 30;

const RANK = ['Failed', 'TimedOut', 'Cancelled', 'Running', 'Pending', 'Skipped', 'Succeeded'];
const worst = (ts: TaskRunRecord[]) => ts.map((t) => t.status).sort((a, b) => RANK.indexOf(a) - RANK.indexOf(b))[0]!;

export interface DagNode {
  name: string;
  status: string;
  column: number;
  row: number;
  needs: string[];
  finally: boolean;
}

/** Columns and rows of the run's tasks (pure). */
export function layout(run: RunRecord): DagNode[] {
  const groups = new Map<string, TaskRunRecord[]>();
  for (const t of run.tasks) groups.set(t.name, [...(groups.get(t.name) ?? []), t]);
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen = new Set<string>()): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (seen.has(name)) return 0; // a cycle cannot reach a run; do not loop on a bad record
    seen.add(name);
    const needs = (groups.get(name)?.[0]?.needs ?? []).filter((n) => groups.has(n));
    const d = needs.length ? Math.max(...needs.map((n) => depthOf(n, seen))) + 1 : 0;
    depth.set(name, d);
    return d;
  };
  const main = [...groups].filter(([, ts]) => !ts[0]!.finally);
  for (const [name] of main) depthOf(name);
  const last = Math.max(-1, ...depth.values()) + 1;
  const rows = new Map<number, number>();
  return [...groups].map(([name, ts]) => {
    const column = ts[0]!.finally ? last : depth.get(name)!;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return {
      name,
      status: worst(ts),
      column,
      row,
      needs: (ts[0]!.needs ?? []).filter((n) => groups.has(n)),
      finally: !!ts[0]!.finally,
    };
  });
}

export function dagGraph(run: RunRecord): SVGElement | null {
  const nodes = layout(run);
  if (!nodes.length) return null;
  const at = new Map(nodes.map((n) => [n.name, n]));
  const cols = Math.max(...nodes.map((n) => n.column)) + 1;
  const rows = Math.max(...nodes.map((n) => n.row)) + 1;
  const x = (n: DagNode) => 10 + n.column * COL;
  const y = (n: DagNode) => 10 + n.row * ROW;
  const edges = nodes.flatMap((n) =>
    n.needs.map((p) => {
      const from = at.get(p)!;
      const [x1, y1, x2, y2] = [x(from) + NODE_W, y(from) + NODE_H / 2, x(n), y(n) + NODE_H / 2];
      const mid = (x1 + x2) / 2;
      return svg('path', {
        class: 'edge',
        'data-from': p,
        'data-to': n.name,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 6},${y2}`,
        'marker-end': 'url(#arrow)',
      });
    }),
  );
  const boxes = nodes.map((n) =>
    svg(
      'a',
      {
        href: `${route('run', run.id, 'logs')}?task=${encodeURIComponent(run.tasks.find((t) => t.name === n.name)!.taskRun)}`,
      },
      svg(
        'g',
        {
          class: `node ${statusClass(n.status)}${n.finally ? ' finally' : ''}`,
          'data-task': n.name,
          'data-status': n.status,
        },
        svg('rect', { x: x(n), y: y(n), width: NODE_W, height: NODE_H, rx: 6 }),
        svg('text', { x: x(n) + 8, y: y(n) + 19 }, n.name.length > 18 ? `${n.name.slice(0, 17)}…` : n.name),
        svg('title', {}, `${n.name}: ${n.status}`),
      ),
    ),
  );
  const w = 20 + (cols - 1) * COL + NODE_W;
  const h = 20 + (rows - 1) * ROW + NODE_H;
  return svg(
    'svg',
    { class: 'dag', viewBox: `0 0 ${w} ${h}`, width: Math.min(w, 1100), role: 'img', 'aria-label': 'task graph' },
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 2,
          refY: 5,
          markerWidth: 8,
          markerHeight: 8,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z' }),
      ),
    ),
    ...edges,
    ...boxes,
  );
}

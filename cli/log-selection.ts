// What `kiln logs RUN --task T --step S` selects, checked against the run's record: T is the
// pipeline task's name (what the hint after every run says; every matrix combination and retry
// of it) or a task run's own name; S a step of it. A name the record does not know is an error
// listing the names it does. How a selected line is printed: `task/step | text` for a log of many
// steps (unless --raw), the time first with --timestamps.
import { escapeControls, type RunRecord, type TaskRunRecord, UsageError } from '../contract/index.js';
import type { LogLine } from '../collector/index.js';
import { suggest } from '../syntax/index.js';
import { taskLabel } from './run-progress.js';

/** A --task or --step the run does not have. */
export class UnknownLogSelector extends UsageError {
  constructor(
    readonly flag: '--task' | '--step',
    readonly value: string,
    readonly valid: string[],
  ) {
    super(
      `${flag} ${value}: the run has no ${flag === '--task' ? 'task' : 'step'} "${value}"`,
      `${suggest(value, valid)}${valid.length ? ` (valid: ${valid.join(', ')})` : ''}`,
    );
  }
}

export interface LogSelection {
  /** The task runs to read; undefined: all of them. */
  taskRuns?: Set<string>;
  step?: string;
  /** Whether the lines may come from more than one step (then each says its task and step). */
  manySteps: boolean;
  /** Task run → the label lines show (`build`, `build[os=linux]`). */
  labels: Map<string, string>;
}

const unique = (xs: string[]) => [...new Set(xs)];

/**
 * Every task run with its label, those of pipelines the run called in place of the task that
 * called them (their logs are the run's): `deploy:push`, selected by `push` or by `deploy`.
 */
function flatten(
  tasks: TaskRunRecord[],
  prefix = '',
  callers: string[] = [],
): { t: TaskRunRecord; label: string; names: string[] }[] {
  return tasks.flatMap((t) =>
    t.child
      ? flatten(t.child.tasks, `${prefix}${taskLabel(t)}:`, [...callers, t.name])
      : [{ t, label: `${prefix}${taskLabel(t)}`, names: [...callers, t.name] }],
  );
}

export function selectLogs(record: RunRecord | null, task?: string, step?: string): LogSelection {
  const flat = flatten(record?.tasks ?? []);
  const tasks = flat.map((f) => f.t);
  const labels = new Map(flat.map((f) => [f.t.taskRun, f.label]));
  // A record that lists no task runs (a run not started, or kept without them) cannot check names.
  if (!tasks.length) {
    return { taskRuns: task ? new Set([task]) : undefined, step, manySteps: !step, labels };
  }
  let chosen = tasks;
  if (task) {
    chosen = flat.filter((f) => f.names.includes(task) || f.t.taskRun === task).map((f) => f.t);
    if (!chosen.length) throw new UnknownLogSelector('--task', task, unique(flat.flatMap((f) => f.names)));
  }
  if (step) {
    const steps = unique(chosen.flatMap((t) => t.steps.map((s) => s.name)));
    // A task not started yet lists no steps: nothing to check against.
    if (steps.length && !steps.includes(step)) throw new UnknownLogSelector('--step', step, steps);
  }
  // A task run that lists no steps yet may bring several.
  const pairs = chosen.flatMap((t) =>
    t.steps.length ? t.steps.filter((s) => !step || s.name === step).map((s) => s.name) : ['?', '?'],
  );
  return {
    taskRuns: task ? new Set(chosen.map((t) => t.taskRun)) : undefined,
    step,
    manySteps: pairs.length > 1,
    labels,
  };
}

export function selected(sel: LogSelection, line: LogLine): boolean {
  return (!sel.taskRuns || sel.taskRuns.has(line.task)) && (!sel.step || sel.step === line.step);
}

export interface LineFormat {
  raw?: boolean;
  timestamps?: boolean;
}

export function formatLine(sel: LogSelection, line: LogLine, f: LineFormat): string {
  const time = f.timestamps ? `${new Date(line.time).toISOString()} ` : '';
  const where =
    sel.manySteps && !f.raw
      ? `${escapeControls(sel.labels.get(line.task) ?? line.task)}/${escapeControls(line.step)} | `
      : '';
  return `${time}${where}${line.text}`;
}

/** The last `n` of what is pushed. */
export class TailBuffer<T> {
  private items: T[] = [];
  constructor(private readonly n: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.n) this.items.shift();
  }
  drain(): T[] {
    return this.items.splice(0);
  }
}

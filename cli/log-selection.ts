// What `kiln logs RUN --task T --step S` selects, checked against the run's record: T is the
// pipeline task's name (what the hint after every run says; every matrix combination and retry
// of it), a task run's own name, or a path into called pipelines (`deploy/build`: task build of the
// pipeline task deploy called); S a step of it. A called pipeline's lines are the run's locally;
// a child PipelineRun's (Kubernetes) are stored under the child's own run id, read from there. A name the record does not know is an error
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
  /** Whether lines stored under the run itself are wanted (not only a child run's). */
  ownLines: boolean;
  /** The runs of child PipelineRuns whose lines are wanted (their ids at the collector). */
  childRuns: string[];
  step?: string;
  /** Whether the lines may come from more than one step (then each says its task and step). */
  manySteps: boolean;
  /** Task run → the label lines show (`build`, `build[os=linux]`). */
  labels: Map<string, string>;
}

const unique = (xs: string[]) => [...new Set(xs)];

interface Flat {
  t: TaskRunRecord;
  label: string;
  /** The names that select it: its own, its callers', and its path (`deploy/build`) and the paths above it. */
  names: string[];
  /** The pipeline task it is under, at the top (its own name for a top-level task). */
  top: string;
  /** The run id its lines are stored under, when not the run's own (a child PipelineRun's). */
  run?: string;
}

/**
 * Every task run with its label, those of pipelines the run called in place of the task that
 * called them: `deploy:push`, selected by `push`, by `deploy` or by `deploy/push`. A child run
 * whose id is not its task run's name is a PipelineRun of its own (the controller's), its lines
 * stored under that id; a local run's child is the task run, its lines the run's.
 */
function flatten(tasks: TaskRunRecord[], prefix = '', callers: string[] = [], run?: string): Flat[] {
  return tasks.flatMap((t) => {
    if (t.child)
      return flatten(
        t.child.tasks,
        `${prefix}${taskLabel(t)}:`,
        [...callers, t.name],
        t.child.id !== t.taskRun ? t.child.id : run,
      );
    const segs = [...callers, t.name];
    const paths = segs.map((_, i) => segs.slice(0, i + 1).join('/'));
    return [{ t, label: `${prefix}${taskLabel(t)}`, names: unique([...segs, ...paths]), top: segs[0]!, run }];
  });
}

export function selectLogs(record: RunRecord | null, task?: string, step?: string): LogSelection {
  const flat = flatten(record?.tasks ?? []);
  const tasks = flat.map((f) => f.t);
  const labels = new Map(flat.map((f) => [f.t.taskRun, f.label]));
  // A record that lists no task runs (a run not started, or kept without them) cannot check names.
  if (!tasks.length) {
    return {
      taskRuns: task ? new Set([task]) : undefined,
      ownLines: true,
      childRuns: [],
      step,
      manySteps: !step,
      labels,
    };
  }
  let chosen = flat;
  if (task) {
    // A plain name is the run's own task when it has one of that name; else any called task of it.
    const top = flat.filter((f) => f.top === task);
    chosen =
      task.includes('/') || !top.length ? flat.filter((f) => f.names.includes(task) || f.t.taskRun === task) : top;
    if (!chosen.length) throw new UnknownLogSelector('--task', task, unique(flat.flatMap((f) => f.names)));
  }
  const chosenTasks = chosen.map((f) => f.t);
  if (step) {
    const steps = unique(chosenTasks.flatMap((t) => t.steps.map((s) => s.name)));
    // A task not started yet lists no steps: nothing to check against.
    if (steps.length && !steps.includes(step)) throw new UnknownLogSelector('--step', step, steps);
  }
  // A task run that lists no steps yet may bring several.
  const pairs = chosenTasks.flatMap((t) =>
    t.steps.length ? t.steps.filter((s) => !step || s.name === step).map((s) => s.name) : ['?', '?'],
  );
  return {
    taskRuns: task ? new Set(chosenTasks.map((t) => t.taskRun)) : undefined,
    ownLines: chosen.some((f) => !f.run),
    childRuns: unique(chosen.flatMap((f) => (f.run ? [f.run] : []))),
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

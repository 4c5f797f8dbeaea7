// Where an approval gate sits in a run record. A gate of a pipeline that a `pipeline:` task called
// lives in that task's `child` record, which the collector stores only inside its root run: it is
// named from the root by the task names down to it (`deploy/gate`, contract/approval.ts).
import { APPROVAL_PATH_SEPARATOR as SEP, type RunRecord, type TaskRunRecord } from '../../contract/index.js';

/** A gate found: its task record and the runs from the root down to the one that holds it. */
export interface FoundTask {
  task: TaskRunRecord;
  /** The root first, the run whose tasks hold `task` last. */
  runs: RunRecord[];
}

/** Every approval task of the run and of the pipelines it called, by path. */
export function gatePaths(run: RunRecord, prefix = ''): string[] {
  return run.tasks.flatMap((t) => [
    ...(t.approval ? [prefix + t.name] : []),
    ...(t.child ? gatePaths(t.child, `${prefix}${t.name}${SEP}`) : []),
  ]);
}

/** The task a path names, or undefined: each name but the last must be a task that ran a pipeline. */
export function findTask(run: RunRecord, path: string): FoundTask | undefined {
  const names = path.split(SEP);
  const runs = [run];
  let current = run;
  for (const [i, name] of names.entries()) {
    const task = current.tasks.find((t) => t.name === name);
    if (!task) return undefined;
    if (i === names.length - 1) return { task, runs };
    if (!task.child) return undefined;
    current = task.child;
    runs.push(current);
  }
  return undefined;
}

/** The record with the task at `path` replaced by what `change` makes of it (the path must exist). */
export function replaceTask(run: RunRecord, path: string, change: (task: TaskRunRecord) => TaskRunRecord): RunRecord {
  const [name, ...rest] = path.split(SEP);
  return {
    ...run,
    tasks: run.tasks.map((t) => {
      if (t.name !== name) return t;
      if (rest.length === 0) return change(t);
      return { ...t, child: replaceTask(t.child!, rest.join(SEP), change) };
    }),
  };
}

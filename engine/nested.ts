// Pipelines in pipelines, the driver's side: one runtime shared by the run and the pipelines it
// calls (each driver listens to every update and keeps what it knows), the child's record kept
// beside its task run, and a finished child reported to its caller as the task run's end.
import type { RunRecord } from '../contract/index.js';
import type { ObservedTaskRun, Runtime } from './runtime.js';

/** Fans one runtime's updates out to every run of a tree; only the root's view cleans up. */
export class SharedRuntime {
  private readonly listeners = new Set<(u: ObservedTaskRun) => void>();

  constructor(private readonly inner: Runtime) {
    inner.onUpdate((u) => {
      for (const l of [...this.listeners]) l(u);
    });
  }

  /** A runtime for one run of the tree; `detach` stops its updates once that run has ended. */
  view(root: boolean): Runtime & { detach(): void } {
    const inner = this.inner;
    let mine: ((u: ObservedTaskRun) => void) | undefined;
    return {
      kind: inner.kind,
      start: (plan) => inner.start(plan),
      cancel: (name, reason) => inner.cancel(name, reason),
      // A child's task runs live under the root run: the root's cleanup frees them all.
      cleanup: (run) => (root ? inner.cleanup(run) : Promise.resolve()),
      onUpdate: (listener) => {
        mine = listener;
        this.listeners.add(listener);
      },
      detach: () => {
        if (mine) this.listeners.delete(mine);
      },
    };
  }
}

/** The child's end as the end of its caller's task run: its results as strings, as task results are. */
export function childOutcome(taskRun: string, child: RunRecord): ObservedTaskRun {
  const results: Record<string, string> = {};
  for (const [k, v] of Object.entries(child.results ?? {})) results[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const status = child.status === 'Running' || child.status === 'Queued' ? 'Failed' : child.status;
  return {
    name: taskRun,
    status,
    reason: child.reason,
    results,
    steps: [],
    startedAt: Date.parse(child.startedAt),
    finishedAt: child.finishedAt ? Date.parse(child.finishedAt) : undefined,
  };
}

/** The record with each called pipeline's record under the task run that ran it. */
export function withChildren(record: RunRecord, children: ReadonlyMap<string, RunRecord>): RunRecord {
  if (children.size === 0) return record;
  return {
    ...record,
    tasks: record.tasks.map((t) => (children.has(t.taskRun) ? { ...t, child: children.get(t.taskRun) } : t)),
  };
}

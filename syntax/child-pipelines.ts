// Pipelines in pipelines: the pipelines a run may call, loaded once each by key (a Kiln file's
// path, `Pipeline NAME` among Tekton documents, or an embedded pipelineSpec's place), so a pipeline
// that calls itself is read once. A cycle of calls none of which has a condition could only recurse
// until the depth limit: it is an error at validation, named file by file.
import type { Diagnostics } from './errors.js';
import type { PipelineSpec, SourcePos, TaskSpec } from './model.js';

/** The default bound on how deep pipelines may call pipelines at run time. */
export const DEFAULT_MAX_PIPELINE_DEPTH = 10;

interface Call {
  from: string;
  to: string;
  task: TaskSpec;
  pos?: SourcePos;
}

export class PipelineRegistry {
  readonly specs = new Map<string, PipelineSpec>();
  private readonly loading = new Set<string>();
  private readonly calls: Call[] = [];

  /** Loads `key` once with `read`; a key being loaded (a pipeline calling itself) answers undefined. */
  load(key: string, read: () => PipelineSpec | undefined): PipelineSpec | undefined {
    if (this.specs.has(key)) return this.specs.get(key);
    if (this.loading.has(key)) return undefined;
    this.loading.add(key);
    try {
      const spec = read();
      if (spec) this.specs.set(key, spec);
      return spec;
    } finally {
      this.loading.delete(key);
    }
  }

  isLoading(key: string): boolean {
    return this.loading.has(key);
  }

  /** Records that the pipeline `from` calls `to` from `task`. */
  call(from: string, to: string, task: TaskSpec): void {
    this.calls.push({ from, to, task, pos: task.pos });
  }

  /**
   * Once everything is read: tasks calling a pipeline that was still loading get its results, the
   * root keeps every pipeline it may run, and unconditional cycles are reported.
   */
  finish(root: PipelineSpec, rootKey: string, diags: Diagnostics): void {
    this.specs.set(rootKey, root);
    for (const c of this.calls) {
      const callee = this.specs.get(c.to);
      if (callee) c.task.results = (callee.results ?? []).map((r) => r.name);
    }
    if (this.calls.length) root.pipelines = Object.fromEntries(this.specs);
    const cycle = this.unconditionalCycle();
    if (cycle)
      diags.add(
        cycle[0]!.pos,
        `pipelines call each other with no condition, so they would never end: ${[...cycle.map((c) => c.from), cycle[0]!.from].join(' -> ')}`,
        'give one of these pipeline tasks a when (or needs … on) that ends the recursion',
      );
  }

  private unconditionalCycle(): Call[] | undefined {
    const edges = this.calls.filter((c) => !isConditional(c.task));
    const visit = (key: string, path: Call[], seen: Set<string>): Call[] | undefined => {
      for (const e of edges.filter((x) => x.from === key)) {
        const at = path.findIndex((p) => p.from === e.to);
        if (e.to === key) return [e];
        if (at >= 0) return [...path.slice(at), e];
        if (seen.has(e.to)) continue;
        seen.add(e.to);
        const found = visit(e.to, [...path, e], seen);
        if (found) return found;
      }
      return undefined;
    };
    for (const start of new Set(edges.map((e) => e.from))) {
      const found = visit(start, [], new Set([start]));
      if (found) return found;
    }
    return undefined;
  }
}

/** A call that may not happen: the task has a condition or runs only on some predecessor state. */
function isConditional(task: TaskSpec): boolean {
  return task.when.length > 0 || (task.whenCel?.length ?? 0) > 0 || task.needsOn !== undefined;
}

// A task-level `cache:` in Kiln syntax. A task's steps share one pod and one workspace, so one
// cache for the task means: restore before its first step, save after its last step succeeds (a
// failed step skips the rest, so nothing is saved). Giving the cache to every step instead would
// have each of them look up, archive and upload the same key.
//
// It is expanded here into the step caches the runtimes already run (the agent's CachingRunner):
// the first step carries it with policy `pull` (restore only), the last with `push` (save only,
// and only when the exact key has no entry yet), a one-step task with the policy as written.
// A task policy of `pull` never saves, `push` never restores. The steps in between keep their own.
import type { TextReader } from './common.js';
import { readCache } from './kiln-steps.js';
import type { CachePolicy, PipelineSpec, StepSpec } from './model.js';
import type { At } from './yaml-source.js';

/** The policy step `first`/`last` of the task carries for a task cache of `policy`, or none. */
export function taskCachePolicy(policy: CachePolicy, first: boolean, last: boolean): CachePolicy | undefined {
  const pull = first && policy !== 'push';
  const push = last && policy !== 'pull';
  if (pull && push) return 'pull-push';
  if (pull) return 'pull';
  if (push) return 'push';
  return undefined;
}

/** Reads the task's `cache:` at `at` and gives it to the first and last of `steps`. */
export function applyTaskCache(reader: TextReader, at: At, steps: StepSpec[], what: string): StepSpec[] {
  const cache = readCache(reader, at, `${what}.cache`);
  if (!cache || steps.length === 0) return steps;
  const last = steps.length - 1;
  const policies = steps.map((_, i) => taskCachePolicy(cache.policy, i === 0, i === last));
  const clash = steps.find((s, i) => s.cache && policies[i]);
  if (clash) {
    // One step runs one cache: the task's would silently replace the step's own.
    reader.src.error(
      at.pos,
      `${what}.cache: step "${clash.name}" has its own cache, and it is the step that ${clash === steps[0] ? 'restores' : 'saves'} the task's cache`,
      "keep one of them: the task's cache (restored before the first step, saved after the last) or the step's",
    );
    return steps;
  }
  return steps.map((step, i) => (policies[i] ? { ...step, cache: { ...cache, policy: policies[i]! } } : step));
}

/**
 * Whether any step of the run (its pipeline and every pipeline its tasks call) has a dependency
 * cache: `kiln run` then has its agent load the cache's code while it waits for the first task.
 */
export function pipelineUsesCache(pipeline: PipelineSpec): boolean {
  return [pipeline, ...Object.values(pipeline.pipelines ?? {})].some((p) =>
    [...p.tasks, ...p.finally].some((t) => t.steps.some((s) => s.cache)),
  );
}

// Pipelines in pipelines, the engine's side: what a pipeline task asks to run — the called
// pipeline with its params substituted and defaulted, its workspaces bound to the caller's, one
// level deeper — or why it cannot (the depth limit, a param of the wrong type).
import {
  DEFAULT_MAX_PIPELINE_DEPTH,
  ParamError,
  resolveRunParams,
  type PipelineSpec,
  type WorkspaceBinding,
} from '../syntax/index.js';
import { taskVariables } from './plan.js';
import type { ChildRun, EngineState, Unit } from './types.js';

export function childRun(state: EngineState, unit: Unit): ChildRun | { error: string } {
  const { input } = state;
  const call = unit.task.pipeline!;
  const depth = (input.depth ?? 0) + 1;
  const maxDepth = input.maxDepth ?? DEFAULT_MAX_PIPELINE_DEPTH;
  const spec = input.pipeline.pipelines?.[call.ref];
  if (!spec) return { error: `PipelineNotLoaded: ${call.ref} was not read with this pipeline` };
  if (depth > maxDepth)
    return {
      error: `PipelineDepthExceeded: running "${spec.name}" would nest pipelines ${depth} deep, more than ${maxDepth} (kiln run --max-depth)`,
    };
  let params;
  try {
    // The task's own params, and the caller's params the callee declares (propagated as into an
    // embedded spec); a caller's param the callee does not declare is not the callee's business.
    const declared = new Set(spec.params.map((p) => p.name));
    const given = Object.entries(taskVariables(state, unit).params ?? {}).filter(
      ([k]) => k in unit.task.params || declared.has(k),
    );
    params = resolveRunParams(spec, Object.fromEntries(given));
  } catch (err) {
    if (err instanceof ParamError) return { error: `PipelineParams: ${err.message}` };
    throw err;
  }
  const workspaces: Record<string, WorkspaceBinding> = {};
  for (const parent of Object.values(call.workspaces)) {
    const binding = input.workspaces[parent];
    if (binding) workspaces[parent] = binding;
  }
  return {
    runName: unit.taskRun!,
    pipeline: { ...renameWorkspaces(spec, call.workspaces), pipelines: input.pipeline.pipelines },
    params,
    workspaces,
    concurrency: input.concurrency,
    collector: input.collector,
    depth,
    maxDepth,
    rootRun: input.rootRun ?? input.runName,
    taskPath: [...(input.taskPath ?? []), unit.task.name],
  };
}

/**
 * The called pipeline with its workspaces named as the caller's: a task run's directories and
 * claims are found by workspace name within the whole run, so the child's "src" bound to the
 * caller's "source" must be "source" to share it.
 */
function renameWorkspaces(spec: PipelineSpec, names: Record<string, string>): PipelineSpec {
  const name = (w: string) => names[w] ?? w;
  const tasks = (list: PipelineSpec['tasks']) =>
    list.map((t) => ({
      ...t,
      workspaces: t.workspaces.map((w) => ({ ...w, workspace: name(w.workspace) })),
      ...(t.pipeline
        ? {
            pipeline: {
              ...t.pipeline,
              workspaces: Object.fromEntries(Object.entries(t.pipeline.workspaces).map(([k, v]) => [k, name(v)])),
            },
          }
        : {}),
    }));
  return {
    ...spec,
    workspaces: spec.workspaces.map((w) => ({ ...w, name: name(w.name) })),
    tasks: tasks(spec.tasks),
    finally: tasks(spec.finally),
  };
}

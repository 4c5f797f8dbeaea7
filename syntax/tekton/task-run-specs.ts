// Tekton's `taskRunSpecs` of a PipelineRun, and the same fields of a TaskRun's own spec: how one
// pipeline task's task runs are run (docs/syntax.md). Read into the run request, checked against
// the pipeline (a pipeline task, a step of it), and kept for the export.
import type { PipelineSpec, TaskRunSpecOverride } from '../model.js';
import type { At, Source } from '../yaml-source.js';
import { readResources } from './readers.js';

export const TASK_RUN_SPEC_OVERRIDE_KEYS = [
  'pipelineTaskName',
  'serviceAccountName',
  'podTemplate',
  'stepSpecs',
  'sidecarSpecs',
  'metadata',
  'computeResources',
  'timeout',
] as const;
/** The same fields of a TaskRun's spec (its one task is the pipeline task they apply to). */
export const TASK_RUN_OWN_KEYS = ['serviceAccountName', 'podTemplate', 'stepSpecs', 'sidecarSpecs', 'computeResources'];

const plain = (at: At | undefined): Record<string, unknown> | undefined =>
  (at?.node as { toJSON?: () => unknown } | null)?.toJSON?.() as Record<string, unknown> | undefined;

/** One entry's fields (`f`), for the pipeline task `task`. */
export function readTaskRunSpec(
  src: Source,
  f: Map<string, At>,
  what: string,
  task: string,
  pos: At['pos'],
): TaskRunSpecOverride {
  const out: TaskRunSpecOverride = { pipelineTaskName: task, pos };
  const account = src.string(f.get('serviceAccountName'), `${what}.serviceAccountName`);
  if (account !== undefined) out.serviceAccountName = account;
  if (f.get('podTemplate') && src.entries(f.get('podTemplate')!, `${what}.podTemplate`))
    out.podTemplate = plain(f.get('podTemplate')) ?? {};
  const resources = readResources(src, f.get('computeResources'), `${what}.computeResources`);
  if (resources) out.computeResources = resources;
  for (const key of ['stepSpecs', 'sidecarSpecs'] as const) {
    const items = src.list(f.get(key), `${what}.${key}`);
    if (!items) continue;
    out[key] = items.flatMap((item) => {
      const g = src.fields(item, `an item of ${what}.${key}`, ['name', 'computeResources']);
      const name = g && src.string(g.get('name'), `${what}.${key}[].name`);
      const computeResources =
        g && readResources(src, g.get('computeResources'), `${what}.${key}.${name}.computeResources`);
      if (name === undefined || !computeResources) {
        if (g) src.error(item.pos, `an item of ${what}.${key} needs name and computeResources`);
        return [];
      }
      return [{ name, computeResources }];
    });
  }
  if (out.stepSpecs?.length && out.computeResources)
    src.error(pos, `${what} has both stepSpecs and computeResources`, 'Tekton rejects both at once: keep one');
  const meta = f.get('metadata') && src.fields(f.get('metadata')!, `${what}.metadata`, ['labels', 'annotations']);
  if (meta) {
    out.metadata = {};
    if (meta.has('labels')) out.metadata.labels = src.stringMap(meta.get('labels'), `${what}.metadata.labels`);
    if (meta.has('annotations'))
      out.metadata.annotations = src.stringMap(meta.get('annotations'), `${what}.metadata.annotations`);
  }
  const timeoutMs = src.duration(f.get('timeout'), `${what}.timeout`);
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  return out;
}

/** A PipelineRun's `taskRunSpecs` list. */
export function readTaskRunSpecs(src: Source, at: At | undefined, what: string): TaskRunSpecOverride[] {
  return (src.list(at, what) ?? []).flatMap((item, i) => {
    const f = src.fields(item, `${what}[${i}]`, TASK_RUN_SPEC_OVERRIDE_KEYS);
    const task = f && src.string(f.get('pipelineTaskName'), `${what}[${i}].pipelineTaskName`);
    if (!f || task === undefined) {
      if (f) src.error(item.pos, `${what}[${i}] has no pipelineTaskName`, 'name the pipeline task it applies to');
      return [];
    }
    return [readTaskRunSpec(src, f, `${what}[${i}]`, task, item.pos)];
  });
}

/** Each entry names a task of the pipeline, each stepSpec a step of that task, each sidecarSpec a sidecar. */
export function checkTaskRunSpecs(
  src: Source,
  specs: TaskRunSpecOverride[],
  pipeline: PipelineSpec,
  what: string,
): void {
  const tasks = [...pipeline.tasks, ...pipeline.finally];
  for (const spec of specs) {
    const task = tasks.find((t) => t.name === spec.pipelineTaskName);
    if (!task) {
      src.error(
        spec.pos!,
        `${what}: there is no pipeline task "${spec.pipelineTaskName}"`,
        `the pipeline's tasks: ${tasks.map((t) => t.name).join(', ')}`,
      );
      continue;
    }
    for (const step of spec.stepSpecs ?? [])
      if (task.steps.length && !task.steps.some((s) => s.name === step.name))
        src.error(
          spec.pos!,
          `${what}: task "${task.name}" has no step "${step.name}"`,
          `its steps: ${task.steps.map((s) => s.name).join(', ')}`,
        );
    const sidecars = task.sidecars ?? [];
    for (const sidecar of spec.sidecarSpecs ?? [])
      if (task.steps.length && !sidecars.some((s) => s.name === sidecar.name))
        src.error(
          spec.pos!,
          `${what}: task "${task.name}" has no sidecar "${sidecar.name}"`,
          sidecars.length ? `its sidecars: ${sidecars.map((s) => s.name).join(', ')}` : 'it has no sidecars',
        );
  }
}

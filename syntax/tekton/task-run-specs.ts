// Tekton's `taskRunSpecs` of a PipelineRun (with its `taskRunTemplate` under each), and the same
// fields of a TaskRun's own spec: how one pipeline task's task runs are run (docs/syntax.md). Read
// into the run request, checked against the pipeline (a pipeline task, a step of it), and kept for
// the export.
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
  const out: TaskRunSpecOverride = { pipelineTaskName: task, pos, ...readPodFields(src, f, what) };
  const resources = readResources(src, f.get('computeResources'), `${what}.computeResources`);
  if (resources) out.computeResources = resources;
  for (const key of ['stepSpecs', 'sidecarSpecs'] as const) {
    const items = src.list(f.get(key), `${what}.${key}`);
    if (!items?.length) continue;
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

/** A PipelineRun's `taskRunTemplate`: what every pipeline task's task runs get unless its entry says otherwise. */
export function readTaskRunTemplate(
  src: Source,
  at: At | undefined,
  what: string,
): Pick<TaskRunSpecOverride, 'serviceAccountName' | 'podTemplate'> | undefined {
  const f = at && src.fields(at, what, ['serviceAccountName', 'podTemplate']);
  if (!f) return undefined;
  const out = readPodFields(src, f, what);
  return out.serviceAccountName !== undefined || out.podTemplate ? out : undefined;
}

/** `serviceAccountName` and `podTemplate` (as written), of a taskRunSpecs entry or the template. */
function readPodFields(
  src: Source,
  f: Map<string, At>,
  what: string,
): Pick<TaskRunSpecOverride, 'serviceAccountName' | 'podTemplate'> {
  const out: Pick<TaskRunSpecOverride, 'serviceAccountName' | 'podTemplate'> = {};
  const account = src.string(f.get('serviceAccountName'), `${what}.serviceAccountName`);
  if (account !== undefined) out.serviceAccountName = account;
  if (f.get('podTemplate') && src.entries(f.get('podTemplate')!, `${what}.podTemplate`))
    out.podTemplate = plain(f.get('podTemplate')) ?? {};
  return out;
}

type Named = { name?: unknown };
/** Tekton's mergeByName: the overrides, then the base's items of other names. */
function mergeByName(base: unknown, overrides: unknown): unknown {
  if (!Array.isArray(overrides) || overrides.length === 0) return base;
  const names = new Set((overrides as Named[]).map((o) => o?.name));
  return [...overrides, ...(Array.isArray(base) ? (base as Named[]).filter((b) => !names.has(b?.name)) : [])];
}

/** Tekton's MergePodTemplateWithDefault: the entry's fields win; env and volumes merge by name. */
function mergePodTemplate(
  tpl: Record<string, unknown> | undefined,
  base: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!tpl || !base) return tpl ?? base;
  const merged: Record<string, unknown> = { ...base, ...tpl };
  for (const key of ['env', 'volumes']) {
    const value = mergeByName(base[key], tpl[key]);
    if (value !== undefined) merged[key] = value;
  }
  if (base.hostNetwork === true) merged.hostNetwork = true;
  return merged;
}

/**
 * Every pipeline task's spec with the PipelineRun's `taskRunTemplate` under it, as Tekton's
 * GetTaskRunSpec gives each task run: the entry's service account, else the template's; its pod
 * template merged over the template's.
 */
export function withTaskRunTemplate(
  specs: TaskRunSpecOverride[],
  template: Pick<TaskRunSpecOverride, 'serviceAccountName' | 'podTemplate'> | undefined,
  tasks: readonly string[],
): TaskRunSpecOverride[] {
  if (!template) return specs;
  return tasks.map((task) => {
    const entry = specs.find((s) => s.pipelineTaskName === task) ?? { pipelineTaskName: task };
    const serviceAccountName = entry.serviceAccountName ?? template.serviceAccountName;
    const podTemplate = mergePodTemplate(entry.podTemplate, template.podTemplate);
    return {
      ...entry,
      ...(serviceAccountName !== undefined && { serviceAccountName }),
      ...(podTemplate && { podTemplate }),
    };
  });
}

// A PipelineRun's `taskRunSpecs` applied to one task run's plan: its timeout, its steps' compute
// resources (per step, or the task-level ones on every step: the pod builder then has one step
// request them, so the Pod asks for the task's amount), its sidecars' (`sidecarSpecs`), and what
// shapes its Pod, passed on as written.
import type { ResolvedStep, TaskRunPlan } from './runtime.js';
import type { EngineInput } from './types.js';
import { mapStrings } from './step-text.js';
import type { TaskRunSpecOverride } from '../syntax/index.js';

export function taskRunSpecOf(input: EngineInput, task: string): TaskRunSpecOverride | undefined {
  return input.taskRunSpecs?.find((s) => s.pipelineTaskName === task);
}

/** The sidecars with the spec's `sidecarSpecs` compute resources (Tekton replaces a sidecar's by name). */
export function withSidecarResources<T extends { name: string; resources?: unknown }>(
  sidecars: T[],
  spec: TaskRunSpecOverride | undefined,
): T[] {
  if (!spec?.sidecarSpecs?.length) return sidecars;
  return sidecars.map((sidecar) => {
    const own = spec.sidecarSpecs!.find((s) => s.name === sidecar.name)?.computeResources;
    return own ? { ...sidecar, resources: own } : sidecar;
  });
}

/** The steps with the spec's compute resources. */
export function withComputeResources(steps: ResolvedStep[], spec: TaskRunSpecOverride | undefined): ResolvedStep[] {
  if (!spec) return steps;
  const task = spec.computeResources;
  return steps.map((step) => {
    const own = spec.stepSpecs?.find((s) => s.name === step.name)?.computeResources;
    if (own) return { ...step, resources: own };
    if (!task) return step;
    // As Tekton: limits alone are the requests too.
    const requests = task.requests ?? task.limits;
    return { ...step, resources: { ...(requests && { requests }), ...(task.limits && { limits: task.limits }) } };
  });
}

/**
 * What of the spec the Pod builder applies (absent: nothing to apply), its strings substituted with
 * the task run's own values (Tekton substitutes a matrix combination's params in a podTemplate).
 */
export function podSpecOf(
  given: TaskRunSpecOverride | undefined,
  sub: (s: string) => string = (s) => s,
): TaskRunPlan['pod'] {
  if (!given) return undefined;
  const spec = mapStrings(given, sub);
  const { serviceAccountName, podTemplate, metadata } = spec;
  if (!serviceAccountName && !podTemplate && !metadata) return undefined;
  return {
    ...(serviceAccountName && { serviceAccountName }),
    ...(podTemplate && { podTemplate }),
    ...(metadata?.labels && { labels: metadata.labels }),
    ...(metadata?.annotations && { annotations: metadata.annotations }),
  };
}

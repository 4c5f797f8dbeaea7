// Which engine `kiln run` uses: `--engine`, else the pipeline file's `engine:`, else host. `auto` is
// podman where podman runs here, host elsewhere. The default stays host because `podman info`
// answers on machines where no image can be pulled (this one, CI): `auto` there would fail every
// pipeline naming a public image. The choice and its reason are the run's first line; the host
// engine names the images it ignores, and how to honour them, once per run.
import { ENGINES, type EngineChoice, type PipelineSpec, type RunRequest } from '../syntax/index.js';
import { HOST_IGNORED_STEP_FIELDS } from '../runtimes/host/index.js';
import { UsageError } from '../contract/index.js';

export type Engine = 'host' | 'podman';

export interface ChosenEngine {
  engine: Engine;
  /** The run's first line. */
  line: string;
}

export function parseEngineFlag(value: string | undefined): EngineChoice | undefined {
  if (value === undefined) return undefined;
  if ((ENGINES as readonly string[]).includes(value)) return value as EngineChoice;
  throw new UsageError(`--engine ${value}: unknown engine`, `use one of: ${ENGINES.join(', ')}`);
}

export function chooseEngine(
  flag: EngineChoice | undefined,
  file: EngineChoice | undefined,
  podmanRuns: () => boolean,
): ChosenEngine {
  const asked = flag ?? file ?? 'host';
  const source = flag ? `--engine ${flag}` : file ? `engine: ${file} in the pipeline file` : 'the default';
  if (asked !== 'auto') return { engine: asked, line: `kiln: engine ${asked} (${source})` };
  return podmanRuns()
    ? { engine: 'podman', line: `kiln: engine podman (${source}: podman runs here)` }
    : { engine: 'host', line: `kiln: engine host (${source}: podman does not run here)` };
}

/** The host engine's one word on what it ignores, or undefined when the pipeline names no image. */
export function hostIgnoredImages(pipeline: PipelineSpec): string | undefined {
  const images = new Set<string>();
  for (const task of [...pipeline.tasks, ...pipeline.finally]) {
    if (task.image) images.add(task.image);
    for (const step of task.steps) if (step.image) images.add(step.image);
  }
  if (images.size === 0) return undefined;
  return (
    `kiln: the host engine ignores ${HOST_IGNORED_STEP_FIELDS.map((f) => `\`${f}\``).join(' and ')}: ` +
    `steps run on this machine, not in ${[...images].join(', ')}; --engine podman runs them in their images`
  );
}

/**
 * The host engine's word on a run's taskRunSpecs: their timeouts apply, but what shapes a Pod (a
 * service account, a pod template, labels, compute resources, sidecars) cannot apply to processes
 * on this machine: said per pipeline task, never dropped in silence.
 */
/** A pod template's part the host engine ignores: all of it but the volumes the task's steps mount. */
function podTemplateIgnored(podTemplate: Record<string, unknown>, pipeline: PipelineSpec, task: string) {
  const mounted = pipeline.tasks.find((t) => t.name === task)?.volumes?.filter((v) => v.podTemplate) ?? [];
  if (mounted.length === 0) return 'podTemplate';
  const volumes = Array.isArray(podTemplate.volumes) ? podTemplate.volumes : [];
  const rest = Object.keys(podTemplate).some((k) => k !== 'volumes') || volumes.length > mounted.length;
  return rest && 'podTemplate (but for the volumes its steps mount)';
}

export function hostIgnoredTaskRunSpecs(run: RunRequest | undefined, pipeline: PipelineSpec): string | undefined {
  const lines = (run?.taskRunSpecs ?? []).flatMap((spec) => {
    const fields = [
      // An account given in the files has its credentials written (runtimes/host/credentials.ts).
      spec.serviceAccountName && !run?.credentials?.[spec.pipelineTaskName] && 'serviceAccountName',
      spec.podTemplate && podTemplateIgnored(spec.podTemplate, pipeline, spec.pipelineTaskName),
      spec.metadata && 'metadata',
      spec.computeResources && 'computeResources',
      spec.stepSpecs?.length && 'stepSpecs',
      spec.sidecarSpecs?.length && 'sidecarSpecs',
    ].filter(Boolean);
    return fields.length ? [`${spec.pipelineTaskName}: ${fields.join(', ')}`] : [];
  });
  if (lines.length === 0) return undefined;
  return (
    `kiln: the host engine does not apply these taskRunSpecs (they shape a Pod; --engine podman or a cluster applies them): ` +
    lines.join('; ')
  );
}

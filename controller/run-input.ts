// A PipelineRun resource → what the engine needs to run it (pure but for the injected pipeline
// loader): the pipeline (embedded or referenced), params with defaults, workspace bindings and
// the timeout. Bad input throws InvalidPipelineRunError naming the field.
import { KilnError } from '../contract/index.js';
import type { ParamValue, PipelineRunRequest, PipelineSpec, WorkspaceBinding } from '../syntax/index.js';
import { ANNOTATIONS, type PipelineRunResource, type WorkspaceBindingSpec } from '../runtimes/kubernetes/index.js';
import { embeddedSpecs, fetchCalledPipelines, type CalledPipelines } from './called-pipelines.js';

export class InvalidPipelineRunError extends KilnError {
  readonly code = 'invalid-pipelinerun';
  constructor(
    readonly run: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`PipelineRun "${run}" ${field}: ${problem}`);
  }
}

/** A run with no timeout of its own or its pipeline's ends after an hour, as in Tekton: nothing hangs forever. */
export const DEFAULT_RUN_TIMEOUT_MS = 60 * 60_000;

/** A PipelineRun resource read: the pipeline and the request, params resolved, its depth in a tree of runs. */
export type RunInput = PipelineRunRequest & {
  depth?: number;
  maxDepth?: number;
  /** The pipelines its tasks embed (`pipelineSpec:`), by task name, as written. */
  embedded?: Record<string, Record<string, unknown>>;
};

export interface RunInputDeps {
  /** The Pipeline resource's spec (Kiln syntax), or undefined when there is none of that name. */
  pipelineByName(name: string): Promise<Record<string, unknown> | undefined>;
  /** Parses a pipeline in the Kiln syntax (syntax/), `pipeline:` tasks calling `called`; throws its own errors. */
  parsePipeline(doc: Record<string, unknown>, where: string, called: CalledPipelines): PipelineSpec;
  resolveParams(pipeline: PipelineSpec, given: Record<string, ParamValue>): Record<string, ParamValue>;
  parseDuration(text: string): number | undefined;
}

export async function runInputOf(run: PipelineRunResource, deps: RunInputDeps): Promise<RunInput> {
  const name = run.metadata.name!;
  const spec = run.spec ?? {};
  if (!!spec.pipelineRef === !!spec.pipelineSpec)
    throw new InvalidPipelineRunError(name, 'spec', 'give exactly one of pipelineRef and pipelineSpec');
  let doc: Record<string, unknown>;
  let where: string;
  if (spec.pipelineRef) {
    const found = await deps.pipelineByName(spec.pipelineRef.name);
    if (!found)
      throw new InvalidPipelineRunError(
        name,
        'spec.pipelineRef.name',
        `no Pipeline "${spec.pipelineRef.name}" in namespace ${run.metadata.namespace}`,
      );
    doc = { name: spec.pipelineRef.name, ...found };
    where = `pipelines/${spec.pipelineRef.name}`;
  } else {
    doc = { name, ...spec.pipelineSpec };
    where = `pipelineruns/${name}.spec.pipelineSpec`;
  }
  const depth = depthOf(run);
  const called = await fetchCalledPipelines(doc, run.metadata.namespace ?? 'default', deps.pipelineByName);
  const pipeline = deps.parsePipeline(doc, where, called);
  const params = deps.resolveParams(pipeline, spec.params ?? {});
  const workspaces: Record<string, WorkspaceBinding> = {};
  for (const ws of pipeline.workspaces) {
    const given = spec.workspaces?.[ws.name];
    if (!given) {
      // An unbound workspace gets a fresh emptyDir: shared by the steps of a task, not across tasks.
      workspaces[ws.name] = { kind: 'emptyDir' };
      continue;
    }
    workspaces[ws.name] = bindingOf(name, ws.name, given);
  }
  for (const extra of Object.keys(spec.workspaces ?? {})) {
    if (!pipeline.workspaces.some((w) => w.name === extra))
      throw new InvalidPipelineRunError(
        name,
        `spec.workspaces.${extra}`,
        `pipeline "${pipeline.name}" declares no workspace "${extra}"`,
      );
  }
  let timeoutMs: number | undefined;
  if (spec.timeout !== undefined) {
    timeoutMs = deps.parseDuration(spec.timeout);
    if (timeoutMs === undefined)
      throw new InvalidPipelineRunError(
        name,
        'spec.timeout',
        `"${spec.timeout}" is not a duration (examples: 30m, 1h30m)`,
      );
  }
  if (timeoutMs === undefined && pipeline.timeoutMs === undefined) timeoutMs = DEFAULT_RUN_TIMEOUT_MS;
  const embedded = embeddedSpecs(doc);
  return { pipeline, params, workspaces, timeoutMs, ...depth, ...(Object.keys(embedded).length && { embedded }) };
}

/** The run's depth and its tree's limit, from its annotations (a child's are set by its parent). */
function depthOf(run: PipelineRunResource): { depth?: number; maxDepth?: number } {
  const read = (key: string, min: number) => {
    const text = run.metadata.annotations?.[key];
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min)
      throw new InvalidPipelineRunError(
        run.metadata.name!,
        `metadata.annotations["${key}"]`,
        `"${text}" is not a whole number of at least ${min}`,
      );
    return Number(text);
  };
  const depth = read(ANNOTATIONS.pipelineDepth, 0);
  // 0, as `kiln run --max-depth 0`: no pipeline task may run.
  const maxDepth = read(ANNOTATIONS.maxPipelineDepth, 0);
  return { ...(depth !== undefined && { depth }), ...(maxDepth !== undefined && { maxDepth }) };
}

function bindingOf(run: string, ws: string, b: WorkspaceBindingSpec): WorkspaceBinding {
  const kinds = [b.persistentVolumeClaim, b.emptyDir, b.volumeClaimTemplate].filter((x) => x !== undefined);
  if (kinds.length !== 1)
    throw new InvalidPipelineRunError(
      run,
      `spec.workspaces.${ws}`,
      'give exactly one of persistentVolumeClaim, emptyDir, volumeClaimTemplate',
    );
  const subPath = b.subPath;
  if (b.persistentVolumeClaim) {
    if (!b.persistentVolumeClaim.claimName)
      throw new InvalidPipelineRunError(run, `spec.workspaces.${ws}.persistentVolumeClaim.claimName`, 'is required');
    return { kind: 'pvc', claimName: b.persistentVolumeClaim.claimName, subPath };
  }
  if (b.emptyDir) return { kind: 'emptyDir', subPath };
  return { kind: 'volumeClaimTemplate', spec: b.volumeClaimTemplate, subPath };
}

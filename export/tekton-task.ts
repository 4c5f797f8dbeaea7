// One pipeline task as a Tekton Task document: its params, results, workspaces, steps and sidecars.
import { formatDuration } from '../contract/index.js';
import {
  type ParamSpec,
  parseReference,
  type PipelineSpec,
  referencesIn,
  type StepSpec,
  type TaskSpec,
  taskStrings,
} from '../syntax/index.js';
import { clean, type Doc } from './common.js';
import { agentInstallStep, CACHE_MOUNTS, CACHE_PARAMS, CACHE_VOLUMES, cachedCommand } from './tekton-cache.js';
import { givenDecl, propertiesOf, withOuterKeys } from './tekton-params.js';
import { inputsOf, matrixNames, rewrite } from './tekton-refs.js';

export const API = 'tekton.dev/v1';

export const taskName = (pipeline: PipelineSpec, task: TaskSpec) => `${pipeline.name}-${task.name}`;

export function taskDocument(
  pipeline: PipelineSpec,
  task: TaskSpec,
  declared: Map<string, ParamSpec>,
  problems: string[],
  /** The run options' images (TektonRunOptions): a step's default one, and the agent's. */
  images: { defaultImage?: string; agentImage?: string },
): Doc {
  const where = `task "${task.name}"`;
  const inputs = inputsOf(task);
  const matrix = matrixNames(task);
  const caching = task.steps.some((s) => s.cache);
  // hashFiles() in a cache key is computed by kiln-agent in the step: only elsewhere is it a problem.
  const cacheKeys = new Set(task.steps.flatMap((s) => (s.cache ? [s.cache.key, ...s.cache.restoreKeys] : [])));
  const params = [
    ...Object.entries(task.params).map(([name, value]) =>
      givenDecl(name, withOuterKeys(name, value, declared), declared, matrix.has(name)),
    ),
    ...[...inputs.keys()].map((name) => {
      const p = declared.get(name);
      return clean({ name, type: p?.type ?? 'string', properties: p && propertiesOf(p.properties, p.default) });
    }),
    ...[...matrix].filter((name) => !(name in task.params)).map((name) => ({ name, type: 'string' })),
  ];
  for (const text of taskStrings(task)) {
    if (cacheKeys.has(text)) continue;
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'function') problems.push(`${where}: $(${ref.expr}) is a Kiln function Tekton does not have`);
    }
  }
  const steps = task.steps.map((s, i) => stepDocument(task, s, i, problems, images.defaultImage));
  if (caching) params.push(...CACHE_PARAMS.map(({ name }) => ({ name, type: 'string' })));
  return {
    apiVersion: API,
    kind: 'Task',
    metadata: { name: taskName(pipeline, task) },
    spec: clean({
      displayName: task.displayName,
      params,
      results: task.results.map((name) => clean({ name, value: stepResultFeeding(task, name) })),
      workspaces: [
        ...task.workspaces.map((w) => clean({ name: w.name, readOnly: w.readOnly })),
        ...(task.unboundWorkspaces ?? []).map((name) => ({ name, optional: true })),
      ],
      stepTemplate: Object.keys(task.env).length ? { env: envList(task.env) } : undefined,
      steps: caching ? [agentInstallStep(images.agentImage ?? 'kiln-agent'), ...steps] : steps,
      sidecars: task.sidecars?.map((s, i) => {
        const { onError: _, ...doc } = stepDocument(task, s, i, problems, images.defaultImage);
        return clean({ ...doc, readinessProbe: s.readinessProbe, startupProbe: s.startupProbe, ports: s.ports });
      }),
      // A pod template's volume a step mounts is written here, and left out of the pod template.
      volumes: [...(task.volumes ?? []).map((v) => ({ name: v.name, ...v.source })), ...(caching ? CACHE_VOLUMES : [])],
    }),
  };
}

function stepDocument(task: TaskSpec, step: StepSpec, i: number, problems: string[], defaultImage?: string): Doc {
  const where = `task "${task.name}" step "${step.name}"`;
  const image = step.image ?? task.image ?? defaultImage;
  if (!image) problems.push(`${where}: has no image (Tekton needs one per step; give one, or --default-image)`);
  const cached = step.cache ? cachedCommand(step, i, rewrite) : undefined;
  return clean({
    name: step.name || `step-${i + 1}`,
    image: image && rewrite(image),
    script: step.script !== undefined && !cached ? rewrite(step.script) : undefined,
    command: cached ?? step.command?.map(rewrite),
    args: step.args.length && !cached ? step.args.map(rewrite) : undefined,
    volumeMounts: [
      ...(step.volumeMounts ?? []).map(({ workspace: _, ...m }) => ({ ...m, mountPath: rewrite(m.mountPath) })),
      ...(cached ? CACHE_MOUNTS : []),
    ],
    env: Object.keys(step.env).length ? envList(step.env, rewrite) : undefined,
    workingDir: step.workingDir && rewrite(step.workingDir),
    stdoutConfig: step.stdoutPath !== undefined ? { path: rewrite(step.stdoutPath) } : undefined,
    stderrConfig: step.stderrPath !== undefined ? { path: rewrite(step.stderrPath) } : undefined,
    timeout: step.timeoutMs !== undefined ? formatDuration(step.timeoutMs) : undefined,
    onError:
      step.onErrorParam !== undefined
        ? rewrite(step.onErrorParam)
        : step.onError === 'continue'
          ? 'continue'
          : undefined,
    computeResources: step.resources,
    results: step.results?.map((name) => ({ name })),
    workspaces: step.workspaces?.map((w) => clean({ name: w.name, mountPath: w.mountPath && rewrite(w.mountPath) })),
    when: [
      ...(step.when ?? []).map((w) => ({
        input: rewrite(w.input),
        operator: w.operator,
        values: w.values.map(rewrite),
      })),
      ...(step.whenCel ?? []).map((c) => ({ cel: rewrite(c.expression) })),
    ],
  });
}

/** `$(steps.s.results.r)` when a step result is the task result `name` (its `value`). */
function stepResultFeeding(task: TaskSpec, name: string): string | undefined {
  for (const step of task.steps) {
    const from = Object.entries(step.taskResults ?? {}).find(([, to]) => to === name)?.[0];
    if (from) return `$(steps.${step.name}.results.${from})`;
  }
  return undefined;
}

const envList = (env: Record<string, string>, map = (s: string) => s) =>
  Object.entries(env).map(([name, value]) => ({ name, value: map(value) }));

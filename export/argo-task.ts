// A Kiln task as an Argo template: one container, or a containerSet of its steps in order (the
// last named `main`, whose outputs Argo reads), its retryStrategy (backoff), timeout, results as
// output parameters, and workspaces mounted from the Workflow's volumes.
import { formatDuration } from '../contract/index.js';
import { type StepSpec, type TaskSpec } from '../syntax/index.js';
import { type ArgoOptions, inputsOf, loopOf, type Scope, seconds, templateName } from './argo-refs.js';
import { clean, type Doc, rewriteRefs } from './common.js';

const RESULTS = '/tmp/kiln-results';

export function taskTemplate(
  scope: Scope,
  task: TaskSpec,
  opts: ArgoOptions,
  problems: string[],
  notes: Set<string>,
): Doc {
  const where = `task "${scope.path}${task.name}"`;
  const loop = loopOf(scope, task, where, []);
  const inputs = inputsOf(scope, task, loop.param, where, []);
  const params = [...Object.keys(task.params), ...inputs.keys()].map((name) => ({ name }));
  const sub = (s: string) =>
    rewriteRefs(
      s,
      (ref) => {
        if (ref.kind === 'param' && !ref.star && ref.index === undefined && !ref.key)
          return `{{inputs.parameters.${ref.name}}}`;
        if (ref.kind === 'taskResult' && !ref.star && ref.index === undefined && !ref.key)
          return `{{inputs.parameters.${ref.task}-results-${ref.result}}}`;
        if (ref.kind === 'matrix') return `{{inputs.parameters.${ref.name}}}`;
        if (ref.kind === 'resultPath') return `${RESULTS}/${ref.name}`;
        if (ref.kind === 'workspace' && ref.field === 'path') return `/workspace/${ref.name}`;
        if (ref.kind === 'tasksStatus') return '{{workflow.status}}';
        if (ref.kind === 'taskStatus') {
          notes.add(`$(tasks.${ref.task}.status) in a finally task is the workflow's status in Argo's exit handler`);
          return '{{workflow.status}}';
        }
        if (ref.kind === 'context')
          return (
            {
              'pipelineRun.name': '{{workflow.name}}',
              'pipelineRun.namespace': '{{workflow.namespace}}',
              'pipelineRun.uid': '{{workflow.uid}}',
              'pipeline.name': scope.pipeline.name,
              'taskRun.name': '{{pod.name}}',
              'task.name': task.name,
              'task.retry-count': '{{retries}}',
            } as Record<string, string>
          )[ref.path];
        return undefined;
      },
      where,
      problems,
    );
  const mounts = [
    { name: 'kiln-results', mountPath: RESULTS },
    ...task.workspaces.map((w) =>
      clean({ name: scope.volume(w.workspace), mountPath: `/workspace/${w.name}`, subPath: w.subPath }),
    ),
  ];
  const containers = task.steps.map((s, i) => container(task, s, i, opts, sub, where, problems, notes));
  const several = containers.length > 1;
  return clean({
    name: templateName(scope, task.name),
    inputs: params.length ? { parameters: params } : undefined,
    outputs: task.results.length
      ? { parameters: task.results.map((r) => ({ name: r, valueFrom: { path: `${RESULTS}/${r}` } })) }
      : undefined,
    retryStrategy: retryStrategy(task),
    // IntOrString in Argo's schema: written as a string.
    activeDeadlineSeconds: task.timeoutMs !== undefined ? String(seconds(task.timeoutMs)) : undefined,
    volumes: [{ name: 'kiln-results', emptyDir: {} }],
    container: several ? undefined : { ...containers[0], name: undefined, volumeMounts: mounts },
    containerSet: several
      ? {
          volumeMounts: mounts,
          // The last step is `main`: Argo reads a template's output parameters from it.
          containers: containers.map((c, i) =>
            clean({
              ...c,
              name: i === containers.length - 1 ? 'main' : c.name,
              dependencies: i ? [containers[i - 1]!.name] : undefined,
            }),
          ),
        }
      : undefined,
  });
}

export function retryStrategy(task: TaskSpec): Doc | undefined {
  if (task.retries === 0) return undefined;
  const on = task.retryPolicy?.on ?? ['failure', 'timeout'];
  const b = task.retryPolicy?.backoff;
  return clean({
    limit: String(task.retries),
    // A step's failure is Failed; a timeout (activeDeadlineSeconds) ends the pod as an Error too.
    retryPolicy: on.length === 2 ? 'Always' : on[0] === 'failure' ? 'OnFailure' : 'OnError',
    backoff: b
      ? clean({
          duration: formatDuration(b.delayMs),
          factor: String(b.factor),
          cap: b.maxMs !== undefined ? formatDuration(b.maxMs) : undefined,
        })
      : undefined,
  });
}

function container(
  task: TaskSpec,
  step: StepSpec,
  i: number,
  opts: ArgoOptions,
  sub: (s: string) => string,
  where: string,
  problems: string[],
  notes: Set<string>,
): Doc & { name: string } {
  const image = step.image ?? task.image ?? opts.defaultImage;
  if (!image) problems.push(`${where} step "${step.name}": has no image (give one, or --default-image)`);
  if (step.onError === 'continue')
    problems.push(`${where} step "${step.name}": onError: continue has no Argo equivalent inside a template`);
  if (step.cache) notes.add(`cache (${task.name}/${step.name}) is not exported to Argo: the step runs without it`);
  const env = { ...task.env, ...step.env };
  const shebang = step.script?.startsWith('#!');
  return clean({
    name: step.name || `step-${i + 1}`,
    image: image && sub(image),
    command:
      step.script !== undefined
        ? shebang
          ? ['sh', '-c', 'f=$(mktemp); printf %s "$0" > $f; chmod +x $f; exec $f']
          : ['sh', '-c']
        : step.command!.map(sub),
    args: step.script !== undefined ? [sub(step.script)] : step.args.length ? step.args.map(sub) : undefined,
    env: Object.keys(env).length
      ? Object.entries(env).map(([name, value]) => ({ name, value: sub(value) }))
      : undefined,
    workingDir: step.workingDir && sub(step.workingDir),
    resources: step.resources,
  }) as Doc & { name: string };
}

// The model → one Argo Workflow (pure): a DAG template wiring the tasks (`depends` for Kiln's
// needs and branches, `when`, withItems for a matrix, withParam for a list known at run time),
// a template per task (one container, or a containerSet of its steps in order) with its
// retryStrategy (backoff), timeout and outputs for results; finally tasks run from onExit.
// What Argo cannot do is refused; what it does differently is said in `notes`. See docs/export.md.
import { formatDuration } from '../contract/index.js';
import {
  type ParamValue,
  type ParsedReference,
  type PipelineSpec,
  resultRefsOf,
  type StepSpec,
  type TaskSpec,
  type WhenExpression,
  type WorkspaceBinding,
} from '../syntax/index.js';
import { approvalGate, clean, type Doc, ExportError, kilnOnly, rewriteRefs, tektonOnly } from './common.js';

export interface ArgoOptions {
  params?: Record<string, ParamValue>;
  workspaces?: Record<string, WorkspaceBinding>;
  timeoutMs?: number;
  /** The image of steps that name none (Argo needs one per container). */
  defaultImage?: string;
}

const RESULTS = '/tmp/kiln-results';
const DEPENDS: Record<string, string> = { succeeded: 'Succeeded', failed: 'Failed', skipped: 'Skipped' };
const templateName = (task: string) => `task-${task}`;
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const text = (v: ParamValue) => (typeof v === 'string' ? v : JSON.stringify(v));

export function exportToArgo(pipeline: PipelineSpec, opts: ArgoOptions = {}): { doc: Doc; notes: string[] } {
  const problems: string[] = [];
  const notes = new Set<string>();
  const tasks = pipeline.tasks.map((t) => dagTask(t, false, problems, notes));
  const fin = pipeline.finally.map((t) => dagTask(t, true, problems, notes));
  const templates = [...pipeline.tasks, ...pipeline.finally].map((t) =>
    taskTemplate(pipeline, t, opts, problems, notes),
  );
  const main: Doc = { name: 'main', dag: { tasks } };
  const outputs = pipeline.results?.flatMap((r) => {
    const v = typeof r.value === 'string' ? /^\$\(tasks\.([^.]+)\.results\.([^.)[]+)\)$/.exec(r.value) : null;
    if (!v) {
      problems.push(`pipeline result "${r.name}": only a single task result can be a DAG output in Argo`);
      return [];
    }
    return [{ name: r.name, valueFrom: { parameter: `{{tasks.${v[1]}.outputs.parameters.${v[2]}}}` } }];
  });
  if (outputs?.length) main.outputs = { parameters: outputs };
  const { volumes, claims } = workspaceVolumes(pipeline, opts, problems);
  if (problems.length) throw new ExportError('argo', problems);
  const timeout = opts.timeoutMs ?? pipeline.timeoutMs;
  const spec = clean({
    entrypoint: 'main',
    onExit: fin.length ? 'kiln-finally' : undefined,
    arguments: pipeline.params.length
      ? {
          parameters: pipeline.params.map((p) => {
            const v = opts.params?.[p.name] ?? p.default;
            return clean({ name: p.name, value: v === undefined ? undefined : text(v), description: p.description });
          }),
        }
      : undefined,
    activeDeadlineSeconds: timeout !== undefined ? seconds(timeout) : undefined,
    volumes,
    volumeClaimTemplates: claims,
    templates: [main, ...(fin.length ? [{ name: 'kiln-finally', dag: { tasks: fin } }] : []), ...templates],
  });
  return {
    doc: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: `${pipeline.name}-` },
      spec,
    },
    notes: [...notes],
  };
}

function workspaceVolumes(pipeline: PipelineSpec, opts: ArgoOptions, problems: string[]) {
  const volumes: Doc[] = [];
  const claims: Doc[] = [];
  for (const w of pipeline.workspaces) {
    const b = opts.workspaces?.[w.name] ?? { kind: 'emptyDir' as const };
    if (b.kind === 'dir')
      problems.push(`workspace "${w.name}" is bound to a host directory (${b.path}); Argo mounts volumes`);
    else if (b.kind === 'pvc') volumes.push({ name: w.name, persistentVolumeClaim: { claimName: b.claimName } });
    else if (b.kind === 'volumeClaimTemplate') claims.push({ metadata: { name: w.name }, spec: b.spec });
    else volumes.push({ name: w.name, emptyDir: {} });
  }
  return { volumes, claims };
}

/** A matrix as Argo items: static combinations (withItems), or one list known at run time (withParam). */
function loopOf(
  task: TaskSpec,
  where: string,
  problems: string[],
): { withItems?: Doc[]; withParam?: string; param?: string } {
  if (!task.matrix && !task.matrixInclude) return {};
  const entries = Object.entries(task.matrix ?? {});
  const runtime = entries.filter(([, vs]) => vs.some((v) => v.includes('$(')));
  if (runtime.length) {
    const [name, values] = runtime[0]!;
    const star =
      values.length === 1 ? /^\$\((params\.[\w-]+|tasks\.[\w-]+\.results\.[\w-]+)\[\*\]\)$/.exec(values[0]!) : null;
    if (!star || entries.length > 1 || task.matrixInclude?.length) {
      problems.push(
        `${where}: a matrix known at run time must be one param over one list ($(params.p[*]) or a result's [*]) for Argo's withParam`,
      );
      return {};
    }
    return { withParam: dagRef(star[1]!), param: name };
  }
  let combos: Doc[] = [{}];
  for (const [name, values] of entries) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  for (const inc of task.matrixInclude ?? []) combos.push({ ...inc.params });
  return { withItems: combos };
}

/** A params./tasks. path as the DAG sees it. */
function dagRef(path: string): string {
  const r = /^tasks\.([\w-]+)\.results\.([\w-]+)$/.exec(path);
  return r ? `{{tasks.${r[1]}.outputs.parameters.${r[2]}}}` : `{{workflow.parameters.${path.slice('params.'.length)}}}`;
}

/** References at the DAG level (when, arguments). */
function dagExpr(ref: ParsedReference, loopParam: string | undefined): string | undefined {
  if (ref.kind === 'param' && !ref.star && ref.index === undefined && !ref.key)
    return `{{workflow.parameters.${ref.name}}}`;
  if (ref.kind === 'taskResult' && !ref.star && ref.index === undefined && !ref.key)
    return `{{tasks.${ref.task}.outputs.parameters.${ref.result}}}`;
  if (ref.kind === 'matrix') return ref.name === loopParam ? '{{item}}' : `{{item.${ref.name}}}`;
  if (ref.kind === 'tasksStatus' || ref.kind === 'taskStatus') return '{{workflow.status}}';
  if (ref.kind === 'context' && ref.path === 'pipelineRun.name') return '{{workflow.name}}';
  return undefined;
}

function whenExpr(w: WhenExpression, sub: (s: string) => string, where: string, problems: string[]): string {
  const quote = (s: string) => {
    if (s.includes("'")) problems.push(`${where}: a when value holding a quote cannot be written in Argo's when`);
    return `'${sub(s)}'`;
  };
  const any = w.values.map((v) => `${quote(w.input)} == ${quote(v)}`).join(' || ');
  return w.operator === 'in' ? `(${any})` : `!(${any})`;
}

/** The params a task's template takes: pipeline params and carried results, by name → DAG value. */
function inputsOf(
  task: TaskSpec,
  loopParam: string | undefined,
  where: string,
  problems: string[],
): Map<string, string> {
  const inputs = new Map<string, string>();
  const scan = (s: string) =>
    rewriteRefs(
      s,
      (ref, expr) => {
        if (ref.kind === 'param' && !(ref.name in task.params))
          inputs.set(ref.name, `{{workflow.parameters.${ref.name}}}`);
        if (ref.kind === 'taskResult')
          inputs.set(`${ref.task}-results-${ref.result}`, `{{tasks.${ref.task}.outputs.parameters.${ref.result}}}`);
        if (ref.kind === 'matrix') inputs.set(ref.name, ref.name === loopParam ? '{{item}}' : `{{item.${ref.name}}}`);
        return `$(${expr})`;
      },
      where,
      problems,
    );
  for (const s of task.steps)
    [s.script, s.image, s.workingDir, ...(s.command ?? []), ...s.args, ...Object.values(s.env)].forEach(
      (x) => x && scan(x),
    );
  [task.image, ...Object.values(task.env)].forEach((x) => x && scan(x));
  return inputs;
}

function dagTask(task: TaskSpec, isFinally: boolean, problems: string[], notes: Set<string>): Doc {
  const where = `task "${task.name}"`;
  kilnOnly(task, where, problems, 'Argo');
  tektonOnly(task, where, problems, 'Argo');
  approvalGate(task, where, problems, 'Argo', 'write a suspend step and resume it with argo resume');
  const loop = loopOf(task, where, problems);
  const producers = resultRefsOf(task).map((r) => r.task);
  const depends = [...new Set([...task.needs, ...producers])].map((n) => {
    const states = task.needs.includes(n) ? (task.needsOn?.[n] ?? ['succeeded', 'skipped']) : ['succeeded'];
    if (states.includes('failed'))
      notes.add(`on: [failed] (${task.name}) maps to Argo's ${n}.Failed; Argo then ends the workflow as it rules`);
    return `(${states.map((s) => `${n}.${DEPENDS[s]}`).join(' || ')})`;
  });
  const problemsHere: string[] = [];
  const sub = (s: string) => rewriteRefs(s, (ref) => dagExpr(ref, loop.param), where, problemsHere);
  const when = task.when.map((w) => whenExpr(w, sub, where, problemsHere));
  const args = [
    ...Object.entries(task.params).map(([name, v]) => ({ name, value: sub(text(v)) })),
    ...[...inputsOf(task, loop.param, where, problemsHere)].map(([name, value]) => ({ name, value })),
  ];
  problems.push(...problemsHere);
  if (isFinally && depends.length) problems.push(`${where}: a finally task cannot need another in Argo's exit handler`);
  return clean({
    name: task.name,
    template: templateName(task.name),
    depends: depends.length ? depends.join(' && ') : undefined,
    when: when.length ? when.join(' && ') : undefined,
    arguments: args.length ? { parameters: args } : undefined,
    withItems: loop.withItems,
    withParam: loop.withParam,
  });
}

function taskTemplate(
  pipeline: PipelineSpec,
  task: TaskSpec,
  opts: ArgoOptions,
  problems: string[],
  notes: Set<string>,
): Doc {
  const where = `task "${task.name}"`;
  const loop = loopOf(task, where, []);
  const inputs = inputsOf(task, loop.param, where, []);
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
              'pipeline.name': pipeline.name,
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
    ...task.workspaces.map((w) => clean({ name: w.workspace, mountPath: `/workspace/${w.name}`, subPath: w.subPath })),
  ];
  const containers = task.steps.map((s, i) => container(task, s, i, opts, sub, where, problems, notes));
  const several = containers.length > 1;
  return clean({
    name: templateName(task.name),
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

function retryStrategy(task: TaskSpec): Doc | undefined {
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

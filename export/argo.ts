// The model → one Argo Workflow (pure): a DAG template wiring the tasks (`depends` for Kiln's
// needs and branches, `when`, withItems for a matrix, withParam for a list known at run time),
// a template per task (argo-task.ts) with its retryStrategy (backoff), timeout and outputs for
// results; finally tasks run from onExit. A pipeline task calls a DAG template of its own, written
// per call (its workspaces bound as that call binds them), with the call's params as arguments and
// the called pipeline's results as its outputs; a pipeline calling itself is refused (a template
// cannot bound its own depth). What Argo cannot do is refused; what it does differently is said in
// `notes`. See docs/export.md.
import { type PipelineSpec, resultRefsOf, type TaskSpec, type WhenExpression } from '../syntax/index.js';
import { type ArgoOptions, dagExpr, inputsOf, loopOf, type Scope, seconds, templateName, text } from './argo-refs.js';
import { retryStrategy, taskTemplate } from './argo-task.js';
import { approvalGate, clean, type Doc, ExportError, kilnOnly, rewriteRefs, tektonOnly } from './common.js';

export type { ArgoOptions } from './argo-refs.js';

/** Argo's validation caps a template's name (workflowFieldMaxLength). */
const ARGO_NAME_MAX = 128;
const DEPENDS: Record<string, string> = { succeeded: 'Succeeded', failed: 'Failed', skipped: 'Skipped' };

export function exportToArgo(pipeline: PipelineSpec, opts: ArgoOptions = {}): { doc: Doc; notes: string[] } {
  const problems: string[] = [];
  const notes = new Set<string>();
  const rootKey = Object.entries(pipeline.pipelines ?? {}).find(([, p]) => p === pipeline)?.[0] ?? pipeline.name;
  const scope: Scope = {
    pipeline,
    params: 'workflow.parameters',
    prefix: '',
    path: '',
    volume: (w) => w,
    pipelines: pipeline.pipelines ?? {},
    stack: [rootKey],
  };
  const [main, ...templates] = pipelineTemplates(scope, opts, problems, notes);
  const fin = pipeline.finally.map((t) => dagTask(scope, t, true, problems, notes));
  templates.push(...pipeline.finally.flatMap((t) => taskTemplates(scope, t, opts, problems, notes)));
  for (const t of templates)
    if ((t.name as string).length > ARGO_NAME_MAX)
      problems.push(
        `template "${t.name}": longer than the ${ARGO_NAME_MAX} characters Argo allows (pipeline calls nested this deep need shorter task names)`,
      );
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

/**
 * A pipeline's DAG template (first; named `<prefix>pipeline`), its tasks' templates and, for each
 * pipeline task, the called pipeline's own templates under the prefix `<prefix><task>--`.
 */
function pipelineTemplates(scope: Scope, opts: ArgoOptions, problems: string[], notes: Set<string>): Doc[] {
  const { pipeline } = scope;
  const tasks = pipeline.tasks.map((t) => dagTask(scope, t, false, problems, notes));
  const own: Doc[] = [];
  const called: Doc[] = [];
  for (const task of pipeline.tasks)
    (task.pipeline ? called : own).push(...taskTemplates(scope, task, opts, problems, notes));
  const outputs = pipeline.results?.flatMap((r) => {
    const v = typeof r.value === 'string' ? /^\$\(tasks\.([^.]+)\.results\.([^.)[]+)\)$/.exec(r.value) : null;
    if (!v) {
      problems.push(
        `pipeline "${pipeline.name}" result "${r.name}": only a single task result can be a DAG output in Argo`,
      );
      return [];
    }
    return [{ name: r.name, valueFrom: { parameter: `{{tasks.${v[1]}.outputs.parameters.${v[2]}}}` } }];
  });
  const nested = scope.stack.length > 1;
  const dag = clean({
    name: nested ? `${scope.prefix}pipeline` : 'main',
    inputs:
      nested && pipeline.params.length
        ? {
            parameters: pipeline.params.map((p) =>
              clean({ name: p.name, default: p.default === undefined ? undefined : text(p.default) }),
            ),
          }
        : undefined,
    outputs: outputs?.length ? { parameters: outputs } : undefined,
    dag: { tasks },
  });
  return [dag, ...own, ...called];
}

/** A task's template, or the templates of the pipeline it calls. */
function taskTemplates(scope: Scope, task: TaskSpec, opts: ArgoOptions, problems: string[], notes: Set<string>): Doc[] {
  return task.pipeline
    ? calledTemplates(scope, task, opts, problems, notes)
    : [taskTemplate(scope, task, opts, problems, notes)];
}

/** The templates of the pipeline `task` calls, written for this call; recursion refused by name. */
function calledTemplates(
  scope: Scope,
  task: TaskSpec,
  opts: ArgoOptions,
  problems: string[],
  notes: Set<string>,
): Doc[] {
  const where = `task "${scope.path}${task.name}"`;
  const ref = task.pipeline!;
  const child = scope.pipelines[ref.ref];
  if (!child) {
    problems.push(`${where}: the pipeline it calls (${ref.ref}) was not loaded`);
    return [];
  }
  if (scope.stack.includes(ref.ref)) {
    const names = [...scope.stack, ref.ref].map((k) => scope.pipelines[k]?.name ?? k);
    problems.push(
      `${where}: pipeline "${child.name}" calls itself (${names.join(' -> ')}); Argo has no bound on how deep a template calls itself, so recursion is not exported (run it with kiln run or the Kiln controller, which bound it with --max-depth)`,
    );
    return [];
  }
  if (task.timeoutMs !== undefined || child.timeoutMs !== undefined)
    problems.push(
      `${where}: a timeout of a called pipeline has no Argo equivalent (deadlines and timeouts apply to pods, not DAG templates)`,
    );
  if (child.finally.length)
    problems.push(
      `${where}: the finally tasks of a called pipeline have no Argo equivalent (only the workflow has onExit)`,
    );
  const [dag, ...rest] = pipelineTemplates(
    {
      pipeline: child,
      params: 'inputs.parameters',
      prefix: `${scope.prefix}${task.name}--`,
      path: `${scope.path}${task.name}/`,
      volume: (w) => scope.volume(ref.workspaces[w] ?? w),
      pipelines: scope.pipelines,
      stack: [...scope.stack, ref.ref],
    },
    opts,
    problems,
    notes,
  );
  // Argo retries any template: a failed DAG runs again whole, as Kiln reruns the called pipeline.
  return [clean({ ...dag, retryStrategy: retryStrategy(task) }), ...rest];
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

function whenExpr(w: WhenExpression, sub: (s: string) => string, where: string, problems: string[]): string {
  const quote = (s: string) => {
    if (s.includes("'")) problems.push(`${where}: a when value holding a quote cannot be written in Argo's when`);
    return `'${sub(s)}'`;
  };
  const any = w.values.map((v) => `${quote(w.input)} == ${quote(v)}`).join(' || ');
  return w.operator === 'in' ? `(${any})` : `!(${any})`;
}

/**
 * The arguments of a task: its params and what its steps reference; for a pipeline task, each
 * param the called pipeline declares, from the task's params or else the caller's of that name
 * (as `kiln run` passes them), else left to the called template's default.
 */
function argumentsOf(
  scope: Scope,
  task: TaskSpec,
  sub: (s: string) => string,
  loopParam: string | undefined,
  where: string,
  problems: string[],
): Doc[] {
  if (task.pipeline) {
    const child = scope.pipelines[task.pipeline.ref];
    const callerHas = new Set(scope.pipeline.params.map((p) => p.name));
    return (child?.params ?? []).flatMap((p) => {
      const given = task.params[p.name];
      if (given !== undefined) return [{ name: p.name, value: sub(text(given)) }];
      return callerHas.has(p.name) ? [{ name: p.name, value: `{{${scope.params}.${p.name}}}` }] : [];
    });
  }
  return [
    ...Object.entries(task.params).map(([name, v]) => ({ name, value: sub(text(v)) })),
    ...[...inputsOf(scope, task, loopParam, where, problems)].map(([name, value]) => ({ name, value })),
  ];
}

function dagTask(scope: Scope, task: TaskSpec, isFinally: boolean, problems: string[], notes: Set<string>): Doc {
  const where = `task "${scope.path}${task.name}"`;
  kilnOnly(task, where, problems, 'Argo');
  tektonOnly(task, where, problems, 'Argo');
  approvalGate(task, where, problems, 'Argo', 'write a suspend step and resume it with argo resume');
  const loop = loopOf(scope, task, where, problems);
  const producers = resultRefsOf(task).map((r) => r.task);
  const depends = [...new Set([...task.needs, ...producers])].map((n) => {
    const states = task.needs.includes(n) ? (task.needsOn?.[n] ?? ['succeeded', 'skipped']) : ['succeeded'];
    if (states.includes('failed'))
      notes.add(`on: [failed] (${task.name}) maps to Argo's ${n}.Failed; Argo then ends the workflow as it rules`);
    return `(${states.map((s) => `${n}.${DEPENDS[s]}`).join(' || ')})`;
  });
  const problemsHere: string[] = [];
  const sub = (s: string) => rewriteRefs(s, (ref) => dagExpr(scope, ref, loop.param), where, problemsHere);
  const when = task.when.map((w) => whenExpr(w, sub, where, problemsHere));
  const args = argumentsOf(scope, task, sub, loop.param, where, problemsHere);
  problems.push(...problemsHere);
  if (isFinally && depends.length) problems.push(`${where}: a finally task cannot need another in Argo's exit handler`);
  return clean({
    name: task.name,
    template: task.pipeline ? `${scope.prefix}${task.name}--pipeline` : templateName(scope, task.name),
    depends: depends.length ? depends.join(' && ') : undefined,
    when: when.length ? when.join(' && ') : undefined,
    arguments: args.length ? { parameters: args } : undefined,
    withItems: loop.withItems,
    withParam: loop.withParam,
  });
}

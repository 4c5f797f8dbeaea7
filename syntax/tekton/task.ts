// A Tekton Task spec (a Task, ClusterTask, or an embedded taskSpec) read into a TaskTemplate:
// params, results, workspaces, steps with stepTemplate merged in and StepActions inlined.
import { TASK_ARTIFACTS_RESULT } from '../../contract/index.js';
import { checkName, TextReader, type TaskTemplate } from '../common.js';
import { checkStepNames } from '../kiln-steps.js';
import type { StepSpec, TaskVolume } from '../model.js';
import { parseReference, referencesIn } from '../references.js';
import { readStepOnError } from '../step-on-error.js';
import { stepStrings } from '../walk.js';
import { type RefScope, type Sites, declarationScope } from '../sites.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { readParamDecls, readNamedList, readStepFields } from './readers.js';
import { inlineStepAction, type StepActions } from './step-action.js';
import type { KubernetesObjects } from './kubernetes.js';
import { checkVolumeMounts, readTaskVolumes } from './task-volumes.js';
import { checkStepResultReads, linkStepResults } from './step-results.js';
import { checkStepWorkspaces } from './step-workspaces.js';
import { readSidecars } from './sidecars.js';
import { readStepWhen } from './step-when.js';

export interface TaskReadContext {
  sites: Sites;
  stepActions: StepActions;
  /** ConfigMaps, Secrets and claims given beside the Tekton documents. */
  kubernetes: KubernetesObjects;
  /**
   * The pod templates' `volumes` a pipeline task's (or a TaskRun's) steps may mount too, by the
   * pipeline task's name: the first list naming a volume wins (Tekton merges a taskRunSpecs pod
   * template over the PipelineRun's taskRunTemplate by name).
   */
  podVolumesFor?: (task: string) => PodVolumeList[];
}

/** A pod template's `volumes` list, in its own document. */
export interface PodVolumeList {
  src: Source;
  at: At;
  what: string;
}

export function readTaskTemplate(
  src: Source,
  at: At,
  what: string,
  name: string,
  ctx: TaskReadContext,
  outer: {
    params: RefScope['params'];
    task?: string;
    workspaces?: ReadonlySet<string>;
    /** An embedded taskSpec of a pipeline task: its steps may read other tasks' results (Tekton propagates them). */
    taskResults?: boolean;
  },
): TaskTemplate | undefined {
  const f = src.fields(at, what, F.TASK_SPEC_KEYS, F.TASK_SPEC_REFUSED);
  if (!f) return undefined;
  const declare = new TextReader(src, ctx.sites, declarationScope());
  const params = readParamDecls(declare, f.get('params'), `${what}.params`);
  const resultDecls = readNamedList(src, f.get('results'), `${what}.results`, F.RESULT_DECL_KEYS).filter((r) => {
    // Kiln hands a task's artifacts on as a result of this name: a declared one would be overwritten.
    if (r.name !== TASK_ARTIFACTS_RESULT) return true;
    src.error(
      r.fields.get('name')?.pos ?? r.pos,
      `${what}.results: "${r.name}" is a name Kiln reserves (it carries the task's artifacts, $(tasks.t.outputs.n))`,
      'give the result another name',
    );
    return false;
  });
  const results = resultDecls.map((r) => r.name);
  const workspaces = readNamedList(src, f.get('workspaces'), `${what}.workspaces`, F.TASK_WORKSPACE_KEYS).map((w) => ({
    name: w.name,
    optional: src.string(w.fields.get('optional'), `${what}.workspaces.${w.name}.optional`) === 'true',
    ...(src.string(w.fields.get('readOnly'), `${what}.workspaces.${w.name}.readOnly`) === 'true'
      ? { readOnly: true as const }
      : {}),
  }));
  const reader = new TextReader(src, ctx.sites, {
    params: new Map([...outer.params, ...params.map((p) => [p.name, p.type] as const)]),
    paramKeys: new Map(params.flatMap((p) => (p.properties ? [[p.name, p.properties] as const] : []))),
    results: new Set(results),
    // Workspaces of an enclosing run or pipeline are propagated into an embedded spec (TEP-0111).
    workspaces: new Set([...(outer.workspaces ?? []), ...workspaces.map((w) => w.name)]),
    taskResults: outer.taskResults ?? false,
    finally: false,
    matrix: new Set(),
    ...(outer.task ? { task: outer.task } : {}),
  });
  const templateAt = f.get('stepTemplate');
  const templateFields =
    templateAt && src.fields(templateAt, `${what}.stepTemplate`, F.STEP_TEMPLATE_KEYS, F.STEP_REFUSED);
  const template = templateFields
    ? readStepFields(reader, templateFields, templateAt!, `${what}.stepTemplate`, ctx.kubernetes)
    : undefined;
  const items = src.list(f.get('steps'), `${what}.steps`) ?? [];
  const steps = items.flatMap((item, i) => {
    const step = readStep(reader, item, i, `${what}.steps[${i}]`, ctx);
    return step ? [mergeStepTemplate(step, template)] : [];
  });
  if (items.length === 0) src.error(at.pos, `${what} has no steps`, 'add steps with command: or script:');
  for (const step of steps) {
    if (step.script === undefined && step.command === undefined) {
      src.error(
        step.pos!,
        `step "${step.name}" has neither command nor script`,
        "Kiln runs steps without looking up the image's entrypoint in a registry: add command: [...] or script:",
      );
    }
  }
  checkStepNames(reader, steps, what);
  linkStepResults(src, resultDecls, steps, what);
  checkStepResultReads(src, steps, what);
  const sidecars = readSidecars(reader, f.get('sidecars'), `${what}.sidecars`, ctx.kubernetes);
  const own = readTaskVolumes(src, f.get('volumes'), `${what}.volumes`, ctx.kubernetes);
  const podLists = ctx.podVolumesFor?.(outer.task ?? name) ?? [];
  const volumes = [...own, ...podVolumesMounted([...steps, ...sidecars], own, podLists, ctx.kubernetes)];
  for (const name of propagatedWorkspaces(steps, outer.workspaces, workspaces))
    workspaces.push({ name, optional: false });
  checkVolumeMounts(src, [...steps, ...sidecars], volumes, workspaces, what);
  checkStepWorkspaces(
    src,
    [...steps, ...sidecars],
    [...workspaces, ...[...(outer.workspaces ?? [])].map((name) => ({ name }))],
    what,
  );
  const displayName = src.string(f.get('displayName'), `${what}.displayName`);
  return {
    name,
    ...(displayName ? { displayName } : {}),
    params,
    results,
    workspaces,
    env: {},
    steps,
    ...(volumes.length ? { volumes } : {}),
    ...(sidecars.length ? { sidecars } : {}),
    pos: at.pos,
  };
}

function readStep(reader: TextReader, item: At, i: number, what: string, ctx: TaskReadContext): StepSpec | undefined {
  const src = reader.src;
  const f = src.fields(item, what, F.STEP_KEYS, F.STEP_REFUSED);
  if (!f) return undefined;
  const step = readStepFields(reader, f, item, what, ctx.kubernetes);
  step.name = src.string(f.get('name'), `${what}.name`) ?? `step-${i + 1}`;
  if (f.has('name')) checkName(src, step.name, f.get('name')!.pos, 'step name');
  Object.assign(step, readStepOnError(reader, f.get('onError'), `${what}.onError`));
  const timeoutMs = src.duration(f.get('timeout'), `${what}.timeout`);
  if (timeoutMs !== undefined) step.timeoutMs = timeoutMs;
  if (step.script !== undefined && step.command !== undefined) {
    src.error(
      f.get('script')!.pos,
      `${what} has both script and command`,
      'keep one: script for a script, command + args to exec a program',
    );
  }
  Object.assign(step, readStepWhen(reader, f.get('when'), `${what}.when`));
  if (f.has('ref')) return inlineStepAction(reader, step, f, what, ctx.stepActions);
  if (f.has('params'))
    src.error(
      f.get('params')!.pos,
      `${what}: params go with ref: (a StepAction)`,
      'remove params, or add ref: { name: STEP-ACTION }',
    );
  return step;
}

/** The pod templates' volumes that steps mount and the Task does not declare (Tekton gives the Pod both). */
function podVolumesMounted(
  steps: StepSpec[],
  own: TaskVolume[],
  lists: PodVolumeList[],
  kubernetes: KubernetesObjects,
): TaskVolume[] {
  const wanted = new Set(steps.flatMap((s) => (s.volumeMounts ?? []).map((m) => m.name)));
  for (const v of own) wanted.delete(v.name);
  const out: TaskVolume[] = [];
  for (const { src, at, what } of lists) {
    if (wanted.size === 0) break;
    const found = readTaskVolumes(src, at, what, kubernetes, wanted);
    for (const v of found) wanted.delete(v.name);
    out.push(...found.map((v) => ({ ...v, podTemplate: true as const })));
  }
  return out;
}

/** stepTemplate fills what a step leaves out; env merges by name, the step's value wins. */
function mergeStepTemplate(step: StepSpec, template: StepSpec | undefined): StepSpec {
  if (!template) return step;
  const merged: StepSpec = { ...step, env: { ...template.env, ...step.env } };
  merged.image ??= template.image;
  merged.workingDir ??= template.workingDir;
  merged.resources ??= template.resources;
  // As Kubernetes merges a container's mounts: the step's own win over the template's at one path.
  const mounts = [
    ...(template.volumeMounts ?? []).filter((t) => !step.volumeMounts?.some((m) => m.mountPath === t.mountPath)),
    ...(step.volumeMounts ?? []),
  ];
  if (mounts.length) merged.volumeMounts = mounts;
  if (merged.script === undefined && merged.command === undefined && template.command) {
    merged.command = template.command;
    if (merged.args.length === 0) merged.args = template.args;
  }
  return merged;
}

/** The enclosing workspaces an embedded spec's steps use without declaring them. */
function propagatedWorkspaces(
  steps: StepSpec[],
  outer: ReadonlySet<string> | undefined,
  declared: { name: string }[],
): string[] {
  if (!outer?.size) return [];
  const used = new Set<string>();
  for (const w of steps.flatMap((s) => s.workspaces ?? []))
    if (outer.has(w.name) && !declared.some((d) => d.name === w.name)) used.add(w.name);
  for (const text of steps.flatMap(stepStrings)) {
    for (const ref of referencesIn(text)) {
      const r = parseReference(ref.expr);
      if (r.kind === 'workspace' && outer.has(r.name) && !declared.some((w) => w.name === r.name)) used.add(r.name);
    }
  }
  return [...used];
}

// A Kiln task that runs a whole pipeline: `pipeline: ./deploy.yaml` (a path relative to this
// file, or a catalog name; on Kubernetes a Pipeline resource's name), Tekton's spellings
// `pipelineRef: {name}` (the same) and `pipelineSpec: {…}` (a pipeline embedded in the task), with
// `params:` for the child's params and `workspaces:` binding the child's workspaces to this
// pipeline's. The child's results are the task's results.
import { bindParams, type GivenParam, type TextReader } from './common.js';
import { suggest } from './did-you-mean.js';
import type { PipelineSpec, SourcePos, TaskSpec } from './model.js';
import type { At, Source } from './yaml-source.js';

/** Loads the pipeline a task names and records the call; undefined spec: a pipeline still being read (recursion). */
export type PipelineLoader = (
  ref: string,
  from: Source,
  pos: SourcePos,
  task: TaskSpec,
) => { key: string; spec?: PipelineSpec } | undefined;

/** Reads a pipeline embedded in a task (`pipelineSpec`) and records the call. */
export type EmbeddedLoader = (
  from: Source,
  at: At,
  task: TaskSpec,
  what: string,
) => { key: string; spec?: PipelineSpec } | undefined;

/** The keys that make a task run a pipeline; one of them at most. */
export const PIPELINE_FORMS = ['pipeline', 'pipelineRef', 'pipelineSpec'] as const;

/** Keys a task may not have beside `pipeline:` (the child pipeline defines them). */
const NOT_WITH_PIPELINE = ['steps', 'sidecars', 'uses', 'with', 'image', 'results', 'cache', 'matrix', 'env'] as const;

export function usePipeline(
  reader: TextReader,
  env: { pipeline: PipelineLoader; embedded: EmbeddedLoader },
  task: TaskSpec,
  f: Map<string, At>,
  what: string,
  workspaces: ReadonlySet<string>,
): void {
  const src = reader.src;
  /** `pipeline: NAME` or `pipelineRef: {name: NAME}`: the same lookup. */
  const called = () => {
    const ref =
      form === 'pipeline'
        ? src.string(refAt, `${what}.pipeline`)
        : src.string(src.fields(refAt, `${what}.pipelineRef`, ['name'])?.get('name'), `${what}.pipelineRef.name`);
    if (ref === undefined) {
      if (form === 'pipelineRef') src.error(refAt.pos, `${what}.pipelineRef has no name`, 'add name: PIPELINE');
      return undefined;
    }
    return env.pipeline(ref, src, refAt.pos, task);
  };
  const [form, other] = PIPELINE_FORMS.filter((k) => f.has(k));
  const refAt = f.get(form!)!;
  if (other) src.error(f.get(other)!.pos, `${what} has both ${form} and ${other}`, 'keep one of them');
  for (const key of NOT_WITH_PIPELINE) {
    if (f.has(key))
      src.error(f.get(key)!.pos, `${what}: ${key} cannot be given with ${form}:`, 'the called pipeline defines it');
  }
  const loaded = form === 'pipelineSpec' ? env.embedded(src, refAt, task, `${what}.pipelineSpec`) : called();
  if (!loaded) return;
  const given = new Map<string, GivenParam>();
  for (const e of src.entries(f.get('params') ?? { node: null, pos: refAt.pos }, `${what}.params`) ?? []) {
    const value = reader.value(e.value, `${what}.params.${e.key}`);
    if (value !== undefined) given.set(e.key, { value, pos: e.keyPos });
  }
  const bound: Record<string, string> = {};
  for (const e of src.entries(f.get('workspaces') ?? { node: null, pos: refAt.pos }, `${what}.workspaces`) ?? []) {
    const target = src.string(e.value, `${what}.workspaces.${e.key}`);
    if (target === undefined) continue;
    if (!workspaces.has(target))
      src.error(
        e.value.pos,
        `${what}.workspaces.${e.key}: this pipeline has no workspace "${target}"`,
        suggest(target, [...workspaces]),
      );
    else bound[e.key] = target;
  }
  task.pipeline = { ref: loaded.key, workspaces: bound };
  const spec = loaded.spec;
  if (!spec) {
    // Still being read (it calls itself): its results are known once it is, and are not checked here.
    reader.sites.unresolved.add(task.name);
    task.params = Object.fromEntries([...given].map(([k, g]) => [k, g.value]));
    return;
  }
  task.params = bindParams(src, spec, given, { pos: refAt.pos, key: 'params', matrix: [] });
  task.results = (spec.results ?? []).map((r) => r.name);
  for (const name of Object.keys(bound)) {
    if (!spec.workspaces.some((w) => w.name === name))
      src.error(
        f.get('workspaces')!.pos,
        `${what}.workspaces: pipeline "${spec.name}" has no workspace "${name}"`,
        suggest(
          name,
          spec.workspaces.map((w) => w.name),
        ),
      );
  }
  // A child workspace not bound takes this pipeline's workspace of the same name.
  for (const w of spec.workspaces) {
    if (w.name in bound) continue;
    if (workspaces.has(w.name)) bound[w.name] = w.name;
    else if (!w.optional)
      src.error(
        refAt.pos,
        `${what}: pipeline "${spec.name}" needs workspace "${w.name}"`,
        `add workspaces: { ${w.name}: WORKSPACE }`,
      );
  }
}

// A Kiln task that runs a whole pipeline: `pipeline: ./deploy.yaml` (a path relative to this
// file, or a catalog name) with `params:` for the child's params and `workspaces:` binding the
// child's workspaces to this pipeline's. The child's results are the task's results.
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

/** Keys a task may not have beside `pipeline:` (the child pipeline defines them). */
const NOT_WITH_PIPELINE = ['steps', 'uses', 'with', 'image', 'results', 'cache', 'matrix', 'env'] as const;

export function usePipeline(
  reader: TextReader,
  load: PipelineLoader,
  task: TaskSpec,
  f: Map<string, At>,
  what: string,
  workspaces: ReadonlySet<string>,
): void {
  const src = reader.src;
  const refAt = f.get('pipeline')!;
  for (const key of NOT_WITH_PIPELINE) {
    if (f.has(key))
      src.error(f.get(key)!.pos, `${what}: ${key} cannot be given with pipeline:`, 'the called pipeline defines it');
  }
  const ref = src.string(refAt, `${what}.pipeline`);
  if (ref === undefined) return;
  const loaded = load(ref, src, refAt.pos, task);
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

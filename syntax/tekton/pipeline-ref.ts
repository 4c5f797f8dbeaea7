// Tekton's pipelines in pipelines: a pipeline task with `pipelineRef: {name}` (a Pipeline among the
// loaded documents) or an embedded `pipelineSpec`, read once each into the registry; the called
// pipeline is presented as a task template, so its params and workspaces bind as a Task's do.
import type { TaskTemplate } from '../common.js';
import type { PipelineRegistry } from '../child-pipelines.js';
import { missingHint } from '../did-you-mean.js';
import type { PipelineSpec } from '../model.js';
import { Sites } from '../sites.js';
import { validatePipeline } from '../validate.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { hasResolver, type RemoteRefs } from './remote-ref.js';

export interface PipelineRefContext {
  /** Pipeline documents by name. */
  pipelines?: Map<string, { src: Source; spec: At }>;
  registry?: PipelineRegistry;
  /** The registry key of the pipeline being read. */
  key?: string;
  /** Follows `resolver:` references (the git resolver, to a repository on this machine). */
  remote?: RemoteRefs;
}

export type ReadSpec = (
  src: Source,
  at: At,
  what: string,
  name: string,
  ctx: { sites: Sites; key: string },
) => PipelineSpec | undefined;

/** The called pipeline's key and, once read, its shape as a template; undefined: not a pipeline task. */
export function readPipelineRef(
  src: Source,
  f: Map<string, At>,
  what: string,
  task: string,
  ctx: PipelineRefContext,
  readSpec: ReadSpec,
): { key: string; template?: TaskTemplate } | undefined {
  const refAt = f.get('pipelineRef');
  const specAt = f.get('pipelineSpec');
  if (!refAt && !specAt) return undefined;
  for (const key of ['taskRef', 'taskSpec'] as const) {
    if (f.has(key)) src.error(f.get(key)!.pos, `${what} has both ${key} and a pipeline`, 'keep one of them');
  }
  if (refAt && specAt) src.error(refAt.pos, `${what} has both pipelineRef and pipelineSpec`, 'keep one of them');
  const registry = ctx.registry!;
  const read = (docSrc: Source, at: At, label: string, name: string, key: string) => () => {
    const sites = new Sites();
    const spec = readSpec(docSrc, at, label, name, { sites, key });
    if (spec) validatePipeline(spec, sites, docSrc.diags);
    return spec;
  };
  let key: string;
  let spec: PipelineSpec | undefined;
  if (specAt) {
    key = `${ctx.key}/${task}`;
    spec = registry.load(key, read(src, specAt, `${what}.pipelineSpec`, task, key));
  } else if (hasResolver(refAt) && ctx.remote) {
    const doc = ctx.remote.resolve(src, refAt!, `${what}.pipelineRef`, 'Pipeline');
    if (!doc) return undefined;
    const name = doc.name ?? task;
    key = `${doc.src.file} ${name}`;
    spec = registry.load(key, read(doc.src, doc.spec, `Pipeline ${name}`, name, key));
  } else {
    const ref = src.fields(refAt!, `${what}.pipelineRef`, F.TASK_REF_KEYS, F.REF_REFUSED);
    const name = ref && src.string(ref.get('name'), `${what}.pipelineRef.name`);
    if (name === undefined) {
      if (ref) src.error(refAt!.pos, `${what}.pipelineRef has no name`);
      return undefined;
    }
    const doc = ctx.pipelines?.get(name);
    if (!doc) {
      src.error(
        refAt!.pos,
        `${what}.pipelineRef: there is no Pipeline "${name}" in the files given`,
        missingHint(name, [...(ctx.pipelines?.keys() ?? [])]),
      );
      return undefined;
    }
    key = `Pipeline ${name}`;
    spec = registry.load(key, read(doc.src, doc.spec, `Pipeline ${name}`, name, key));
  }
  if (!spec) return { key };
  return {
    key,
    template: {
      name: spec.name,
      params: spec.params,
      results: (spec.results ?? []).map((r) => r.name),
      workspaces: spec.workspaces.map((w) => ({ name: w.name, optional: w.optional ?? false })),
      env: {},
      steps: [],
      pos: spec.pos ?? f.get('pipelineRef')?.pos ?? specAt!.pos,
    },
  };
}

// `kiln apply` of a pipeline whose tasks call other files (`pipeline: ./deploy.yaml`): a cluster
// has no files beside a PipelineRun, so every called file goes to it as a Pipeline resource under
// a name derived from its path (relative to the applied file) and its text, and each `pipeline:`
// reference is rewritten to that name. The root stays embedded in the PipelineRun. Resources, not
// one embedded tree: a pipeline that calls itself (recursion, bounded by the depth limit) cannot be
// embedded in itself, while named Pipelines refer to each other as they do locally, so the
// controller fetches, validates and checks cycles as for any Pipeline a run names.
import { createHash } from 'node:crypto';
import { dirname, normalize, relative } from 'node:path';
import { parse } from 'yaml';
import type { PipelineSpec } from '../syntax/index.js';

export interface CalledPlan {
  /** The applied file's document, its `pipeline:` references rewritten to resource names. */
  root: Record<string, unknown>;
  /** The Pipeline resources to apply first: name → spec (Kiln syntax). */
  pipelines: Map<string, Record<string, unknown>>;
}

/** A DNS-1123 name: the pipeline's name, then 10 hex digits of its path and text (stable, distinct per file). */
export function derivedName(pipelineName: string, path: string, text: string): string {
  const slug = pipelineName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(`${path}\n${text}`).digest('hex').slice(0, 10);
  return `${slug || 'pipeline'}-${hash}`;
}

/**
 * What to send for the already validated `pipeline` read from `file`: `read` gives each file's
 * text (the one the loader validated).
 */
export function planCalled(file: string, pipeline: PipelineSpec, read: (path: string) => string): CalledPlan {
  const rootKey = normalize(file);
  const specs = pipeline.pipelines ?? { [rootKey]: pipeline };
  const base = dirname(rootKey);
  const texts = new Map<string, string>();
  const textOf = (key: string) => texts.get(key) ?? texts.set(key, read(key)).get(key)!;
  const nameOf = (key: string) => derivedName(specs[key]!.name, relative(base, key), textOf(key));
  const pipelines = new Map<string, Record<string, unknown>>();
  /** Rewrites the references in `doc`, the text of `spec`; a called file is applied once. */
  const rewrite = (doc: Record<string, unknown>, spec: PipelineSpec): Record<string, unknown> => {
    for (const [section, tasks] of [
      ['tasks', spec.tasks],
      ['finally', spec.finally],
    ] as const) {
      const written = doc[section] as Record<string, Record<string, unknown>> | undefined;
      for (const t of tasks) {
        const w = written?.[t.name];
        if (!t.pipeline || !w) continue;
        const callee = specs[t.pipeline.ref]!;
        // An embedded pipelineSpec travels inside its caller, its own references rewritten.
        if (w.pipelineSpec) {
          rewrite(w.pipelineSpec as Record<string, unknown>, callee);
          continue;
        }
        const name = nameOf(t.pipeline.ref);
        if (w.pipelineRef) w.pipelineRef = { name };
        else w.pipeline = name;
        if (!pipelines.has(name)) {
          pipelines.set(name, {}); // before the recursion: a file calling itself is applied once
          pipelines.set(name, rewrite(parse(textOf(t.pipeline.ref)) as Record<string, unknown>, callee));
        }
      }
    }
    return doc;
  };
  return { root: rewrite(parse(textOf(rootKey)) as Record<string, unknown>, specs[rootKey]!), pipelines };
}

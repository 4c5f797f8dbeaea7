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
  const texts = new Map(Object.keys(specs).map((key) => [key, read(key)]));
  const names = new Map(
    Object.entries(specs).map(([key, spec]) => [key, derivedName(spec.name, relative(base, key), texts.get(key)!)]),
  );
  const rewritten = (key: string) => {
    const doc = parse(texts.get(key)!) as Record<string, unknown>;
    const spec = specs[key]!;
    for (const [section, tasks] of [
      ['tasks', spec.tasks],
      ['finally', spec.finally],
    ] as const) {
      const written = doc[section] as Record<string, Record<string, unknown>> | undefined;
      for (const t of tasks) {
        if (t.pipeline && written?.[t.name]) written[t.name]!.pipeline = names.get(t.pipeline.ref)!;
      }
    }
    return doc;
  };
  const called = new Set(
    Object.values(specs).flatMap((s) =>
      [...s.tasks, ...s.finally].flatMap((t) => (t.pipeline ? [t.pipeline.ref] : [])),
    ),
  );
  return {
    root: rewritten(rootKey),
    pipelines: new Map([...called].map((key) => [names.get(key)!, rewritten(key)])),
  };
}

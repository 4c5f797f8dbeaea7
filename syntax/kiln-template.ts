// `uses: ./templates/x.yaml` or a catalog name (`uses: notify/slack`): a task template in Kiln
// syntax (params, image, env, results, steps), whose `$(params.x)` are its own params, bound by
// the pipeline task's `with:`.
import { dirname, isAbsolute, join } from 'node:path';
import { readResults, TextReader, type TaskTemplate } from './common.js';
import { paramTypes, readKilnParams } from './kiln-params.js';
import { readKilnSteps } from './kiln-steps.js';
import { isCatalogRef, lookupCatalog } from './template-catalog.js';
import { type Sites, declarationScope } from './sites.js';
import type { Source } from './yaml-source.js';

const TEMPLATE_KEYS = ['name', 'description', 'params', 'image', 'env', 'results', 'steps'] as const;

export function readKilnTemplate(
  src: Source,
  sites: Sites,
  context: { workspaces: Set<string>; matrix: Set<string>; task: string },
): TaskTemplate | undefined {
  const root = src.root();
  const f = src.fields(root, 'template', TEMPLATE_KEYS);
  if (!f) return undefined;
  const name = src.string(f.get('name'), 'template name') ?? src.file;
  const declare = new TextReader(src, sites, declarationScope());
  const params = readKilnParams(declare, f.get('params'), 'params');
  const results = readResults(src, f.get('results'), 'results');
  const reader = new TextReader(src, sites, {
    params: paramTypes(params),
    results: new Set(results),
    workspaces: context.workspaces,
    taskResults: false,
    finally: false,
    matrix: context.matrix,
    task: context.task,
  });
  if (!f.has('steps')) src.error(root.pos, `template "${name}" has no steps`, 'add steps: with run: or command:');
  const template: TaskTemplate = {
    name,
    params,
    results,
    workspaces: [...context.workspaces].map((w) => ({ name: w, optional: true })),
    env: reader.map(f.get('env'), 'env'),
    steps: readKilnSteps(reader, f.get('steps'), `template "${name}"`),
    pos: root.pos,
  };
  const image = reader.text(f.get('image'), 'image');
  if (image !== undefined) template.image = image;
  return template;
}

/**
 * Where `uses: ref` points: a path is relative to the pipeline file `from`; a name
 * (`notify/slack`) is a catalog template, whose shared scripts are then inlined (`catalog`).
 */
export function resolveTemplateRef(
  ref: string,
  from: string,
): { path: string; catalog?: string } | { error: string; hint: string } {
  if (!isCatalogRef(ref)) return { path: isAbsolute(ref) ? ref : join(dirname(from), ref) };
  const found = lookupCatalog(ref);
  return 'error' in found ? found : { path: found.path, catalog: found.dir };
}

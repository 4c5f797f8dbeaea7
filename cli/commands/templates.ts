// `kiln templates [--json]` lists the template catalog (templates/<group>/<name>.yaml, what a
// pipeline names with `uses: group/name`); `kiln templates show NAME [--json]` prints one, with a
// task a pipeline can paste.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { UsageError } from '../../contract/index.js';
import { catalogDir, catalogNames, lookupCatalog } from '../../syntax/index.js';
import { outputFormat, type OutputFlags, render, withOutputOption } from '../output.js';

interface ParamInfo {
  name: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

interface TemplateInfo {
  name: string;
  description: string;
  image?: string;
  params: ParamInfo[];
  results: string[];
}

/** The listing's view of a catalog file; the catalog tests check that each one also validates. */
function describe(name: string, path: string): TemplateInfo {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(
      `catalog template ${name} (${path}) cannot be read: ${(err as Error).message.split('\n')[0]}`,
      'fix the template file; `kiln validate` on a pipeline using it shows every problem',
    );
  }
  const params = Object.entries((doc.params ?? {}) as Record<string, Record<string, unknown> | null>).map(
    ([param, spec]): ParamInfo => {
      const info: ParamInfo = { name: param, required: spec?.default === undefined };
      if (spec?.default !== undefined) info.default = spec.default;
      if (typeof spec?.description === 'string') info.description = spec.description;
      return info;
    },
  );
  const info: TemplateInfo = {
    name,
    description: String(doc.description ?? ''),
    params,
    results: (doc.results ?? []) as string[],
  };
  if (typeof doc.image === 'string') info.image = doc.image;
  return info;
}

function load(name: string): TemplateInfo {
  const found = lookupCatalog(name);
  if ('error' in found) throw new UsageError(found.error.replace(/^uses: /, ''), found.hint);
  return describe(name, found.path);
}

function listingText(all: TemplateInfo[], wide: boolean): string {
  if (all.length === 0) return `no templates in ${catalogDir() ?? 'the catalog (none found)'}\n`;
  const width = Math.max(...all.map((t) => t.name.length));
  const pad = ' '.repeat(width + 2);
  return (
    all
      .map((t) => {
        const lines = [
          `${t.name.padEnd(width)}  ${t.description}`,
          `${pad}params: ${t.params.map((p) => (p.required ? `${p.name}*` : p.name)).join(', ') || 'none'}`,
        ];
        if (wide) lines.push(`${pad}results: ${t.results.join(', ') || 'none'}`, `${pad}image: ${t.image ?? 'none'}`);
        return lines.join('\n');
      })
      .join('\n') + '\n\n* required. `kiln templates show NAME` prints one template with an example task.\n'
  );
}

function show(t: TemplateInfo): string {
  const lines = [`${t.name}: ${t.description}`, ''];
  if (t.image) lines.push(`image: ${t.image} (recorded locally; used on Kubernetes and in Tekton exports)`);
  lines.push('params:');
  for (const p of t.params) {
    const value = p.required ? 'required' : `default ${JSON.stringify(p.default)}`;
    lines.push(`  ${p.name} (${value})${p.description ? `: ${p.description}` : ''}`);
  }
  if (t.params.length === 0) lines.push('  none');
  if (t.results.length) lines.push(`results: ${t.results.join(', ')}`);
  const required = t.params.filter((p) => p.required);
  lines.push('', 'in a pipeline:', `  my-task:`, `    uses: ${t.name}`);
  if (required.length) lines.push('    with:', ...required.map((p) => `      ${p.name}: VALUE`));
  return lines.join('\n');
}

export function registerTemplates(program: Command): void {
  const templates = withOutputOption(
    program
      .command('templates')
      .description('list the template catalog: task templates a pipeline uses with `uses: NAME` + `with:`'),
    'the catalog',
  ).action((f: OutputFlags) => {
    const format = outputFormat(f);
    process.stdout.write(render(format, catalogNames().map(load), { name: (t) => t.name, text: listingText }));
  });
  withOutputOption(
    templates
      .command('show')
      .description('print one catalog template: its params, defaults, results and an example task')
      .argument('<name>', 'a catalog name, e.g. notify/slack'),
    'it',
  ).action((name: string, f: OutputFlags) => {
    const t = load(name);
    // commander hands `--json`/`-o` after `show NAME` to the parent command, which declares them too.
    const format = outputFormat({ ...(templates.opts() as OutputFlags), ...f });
    process.stdout.write(render(format, [t], { name: (x) => x.name, text: () => show(t) + '\n' }, t));
  });
}

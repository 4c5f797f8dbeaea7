// The template catalog: `uses: notify/slack` names templates/notify/slack.yaml in the catalog
// shipped with kiln (the same template format a local `uses: ./x.yaml` file takes). Shared
// scripts (templates/<group>/*.js) are inlined into a catalog step at load time, so the task
// carries its whole script to Kubernetes and to a Tekton export, where the catalog is not mounted.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskTemplate } from './common.js';
import { editDistance } from './did-you-mean.js';

/** group/name, each a lower-case DNS-style word: also keeps a name from climbing out of the catalog. */
const CATALOG_NAME = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;
/** A step line `// kiln:include notify/post.js` (or `# kiln:include …`) is replaced by that file. */
const INCLUDE_LINE = /^[ \t]*(?:\/\/|#)[ \t]*kiln:include[ \t]+(\S+)[ \t]*$/gm;

/** Paths (`./x`, `../x`, `/x`) are local template files; anything else is a catalog name. */
export function isCatalogRef(ref: string): boolean {
  return !/^(\.{1,2}\/|\/)/.test(ref);
}

/**
 * The catalog directory: $KILN_TEMPLATES, else the nearest `templates/` above this module —
 * the package root from source (vitest/tsx) and from the bundle in dist/cli/, /opt/kiln from the images'
 * single executable (whose import.meta.url is the executable).
 */
export function catalogDir(
  env: NodeJS.ProcessEnv = process.env,
  from: string = fileURLToPath(import.meta.url),
): string | undefined {
  if (env.KILN_TEMPLATES) return env.KILN_TEMPLATES;
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(dir, 'package.json')) || isDir(candidate)) return isDir(candidate) ? candidate : undefined;
    if (dirname(dir) === dir) return undefined;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every `group/name` of the catalog, sorted. */
export function catalogNames(dir: string | undefined = catalogDir()): string[] {
  if (!dir || !isDir(dir)) return [];
  const names: string[] = [];
  for (const group of readdirSync(dir).sort()) {
    if (!isDir(join(dir, group))) continue;
    for (const file of readdirSync(join(dir, group)).sort()) {
      const name = `${group}/${file.replace(/\.yaml$/, '')}`;
      if (file.endsWith('.yaml') && CATALOG_NAME.test(name)) names.push(name);
    }
  }
  return names;
}

/** The (at most `n`) catalog names closest to `word`: a typo first, else names sharing its group. */
export function nearestNames(word: string, names: readonly string[], n = 3): string[] {
  const group = word.split('/')[0];
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored = names
    .map((name) => ({ name, d: editDistance(word.toLowerCase(), name) }))
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
  const near = scored.filter((s) => s.d <= limit).map((s) => s.name);
  const sameGroup = names.filter((name) => name.startsWith(`${group}/`) && !near.includes(name));
  return [...near, ...sameGroup].slice(0, n);
}

export type CatalogLookup = { path: string; dir: string } | { error: string; hint: string };

/** Where catalog template `ref` lives, or why it cannot be used (with the closest names). */
export function lookupCatalog(ref: string, dir: string | undefined = catalogDir()): CatalogLookup {
  if (!dir)
    return {
      error: `uses: "${ref}" names a catalog template, and no template catalog was found`,
      hint: 'set KILN_TEMPLATES to the templates/ directory, or use a local file: uses: ./path.yaml',
    };
  // Only a miss lists the catalog (for the hint): a pipeline may `uses:` it on every task.
  const path = join(dir, `${ref}.yaml`);
  if (CATALOG_NAME.test(ref) && existsSync(path)) return { path, dir };
  const near = nearestNames(ref, catalogNames(dir));
  const hint = near.length
    ? `did you mean ${near.map((n) => `"${n}"`).join(', ')}? \`kiln templates\` lists the catalog`
    : 'run `kiln templates` to list the catalog; a local file is written ./path.yaml';
  return { error: `uses: "${ref}" is not in the template catalog`, hint };
}

/**
 * Replaces each include line of the template's step scripts by the named catalog file. The text
 * is checked for `$(`: the engine substitutes references in scripts, and an included file must
 * pass through unchanged.
 */
export function inlineIncludes(template: TaskTemplate, dir: string): string | undefined {
  let problem: string | undefined;
  for (const step of template.steps) {
    if (step.script === undefined) continue;
    step.script = step.script.replace(INCLUDE_LINE, (line, file: string) => {
      if (!/^[a-z0-9-]+\/[\w.-]+$/.test(file) || file.includes('..'))
        problem ??= `kiln:include "${file}": not a catalog file (group/file)`;
      else if (!existsSync(join(dir, file))) problem ??= `kiln:include "${file}": no such file in ${dir}`;
      else {
        const text = readFileSync(join(dir, file), 'utf8');
        if (text.includes('$(')) problem ??= `kiln:include "${file}" contains "$(", which the engine would substitute`;
        else return text.trimEnd();
      }
      return line;
    });
  }
  return problem;
}

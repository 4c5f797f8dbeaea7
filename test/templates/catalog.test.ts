// The catalog as data: every template in templates/ parses, validates when used with its
// required params, inlines its shared scripts and exports to Tekton; catalog names resolve, and
// bad names and `with:` keys get positioned errors with suggestions.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportToTekton } from '../../export/index.js';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { catalogDir, catalogNames, nearestNames } from '../../syntax/template-catalog.js';
import { CATALOG, scratch } from './helpers.js';

const FILE = join(CATALOG, '..', 'test/templates/pipeline.yaml');

/** Every templates/<group>/<name>.yaml on disk, read independently of the module under test. */
const onDisk = readdirSync(CATALOG, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(CATALOG, d.name))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `${d.name}/${f.slice(0, -5)}`),
  )
  .sort();

type RawTemplate = {
  name: string;
  description?: string;
  image?: string;
  params?: Record<string, { default?: unknown; description?: string } | null>;
};
const raw = (name: string) => parse(readFileSync(join(CATALOG, `${name}.yaml`), 'utf8')) as RawTemplate;

/** A one-task pipeline using `name`, each required param given "1". */
function pipelineUsing(name: string): string {
  const required = Object.entries(raw(name).params ?? {})
    .filter(([, p]) => p?.default === undefined)
    .map(([k]) => `      ${k}: "1"\n`);
  return `name: catalog-check\nworkspaces: [source]\ntasks:\n  t:\n    uses: ${name}\n${required.length ? `    with:\n${required.join('')}` : ''}`;
}

function diagnostics(text: string): string[] {
  try {
    parsePipelineText(text, FILE);
    return [];
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return err.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}${d.hint ? ` | ${d.hint}` : ''}`);
  }
}

describe('the catalog directory', () => {
  it('is found from the source tree, and lists exactly the files on disk', () => {
    expect(catalogDir({})).toBe(CATALOG);
    expect(catalogNames()).toEqual(onDisk);
    expect(onDisk).toEqual(
      expect.arrayContaining([
        'node/test',
        'python/test',
        'go/test',
        'maven/test',
        'git/clone',
        'image/build',
        'gate/quality',
        'gate/approval',
        'notify/webhook',
        'notify/slack',
        'notify/dingtalk',
        'notify/feishu',
        'notify/wecom',
        'notify/email',
      ]),
    );
  });

  it("is found beside the images' single executable (/opt/kiln/bin/kiln -> /opt/kiln/templates), and not past a package without one", () => {
    const { dir, remove } = scratch('layout');
    try {
      mkdirSync(join(dir, 'opt/kiln/bin'), { recursive: true });
      mkdirSync(join(dir, 'opt/kiln/templates'));
      expect(catalogDir({}, join(dir, 'opt/kiln/bin/kiln'))).toBe(join(dir, 'opt/kiln/templates'));
      mkdirSync(join(dir, 'pkg/dist'), { recursive: true });
      writeFileSync(join(dir, 'pkg/package.json'), '{}');
      expect(catalogDir({}, join(dir, 'pkg/dist/kiln.mjs'))).toBeUndefined();
    } finally {
      remove();
    }
  });

  it('honours KILN_TEMPLATES', () => {
    expect(catalogDir({ KILN_TEMPLATES: '/elsewhere' })).toBe('/elsewhere');
  });
});

describe.each(onDisk)('catalog template %s', (name) => {
  it('documents itself: a description, an image, a description for every param', () => {
    const t = raw(name);
    expect(t.description?.length).toBeGreaterThan(10);
    expect(t.image).toMatch(/^[\w./-]+(:[\w.-]+)?$/);
    for (const [param, spec] of Object.entries(t.params ?? {}))
      expect(spec?.description, `${name} param ${param}`).toBeTruthy();
  });

  it('validates when used with its required params, with its shared scripts inlined', () => {
    const { pipeline } = parsePipelineText(pipelineUsing(name), FILE);
    const task = pipeline.tasks[0]!;
    expect(task.image).toBe(raw(name).image);
    expect(task.steps.length).toBeGreaterThan(0);
    for (const step of task.steps) expect(step.script ?? '').not.toContain('kiln:include');
    if (name.startsWith('notify/'))
      expect(task.steps[0]!.script).toMatch(/^#!\/usr\/bin\/env node\n[\s\S]*async function main\(\)/);
  });

  it('exports to Tekton with its image and whole scripts', () => {
    const docs = exportToTekton(parsePipelineText(pipelineUsing(name), FILE).pipeline);
    const task = docs.find((d) => d.kind === 'Task') as { spec: { steps: { image?: string; script?: string }[] } };
    expect(task.spec.steps.every((s) => s.image === raw(name).image)).toBe(true);
    expect(JSON.stringify(task)).not.toContain('kiln:include');
  });
});

describe('uses: a catalog name', () => {
  const use = (uses: string, withs = '') => `name: p\nworkspaces: [source]\ntasks:\n  a:\n    uses: ${uses}\n${withs}`;

  it('refuses an unknown name at its position with the closest names', () => {
    expect(diagnostics(use('notify/slak'))).toEqual([
      '5:11 uses: "notify/slak" is not in the template catalog | did you mean "notify/slack", "notify/dingtalk", "notify/email"? `kiln templates` lists the catalog',
    ]);
    expect(diagnostics(use('nodejs/test'))[0]).toMatch(
      /^5:11 uses: "nodejs\/test" is not in the template catalog \| did you mean "node\/test"/,
    );
  });

  it('refuses a name trying to leave the catalog', () => {
    expect(diagnostics(use('notify/../../package'))[0]).toMatch(
      /^5:11 uses: "notify\/\.\.\/\.\.\/package" is not in the template catalog/,
    );
  });

  it('reports a missing required param and an unknown with: key at their positions', () => {
    expect(diagnostics(use('git/clone', '    with:\n      revison: main\n'))).toEqual([
      '5:11 "git-clone" needs param "url" | give it under with: url: VALUE',
      '7:7 with: "git-clone" has no param "revison" | did you mean "revision"?',
    ]);
  });

  it('still reads local template files by path', () => {
    expect(diagnostics(`name: p\ntasks:\n  a:\n    uses: ./fixtures-missing.yaml\n`)[0]).toMatch(
      /^4:11 uses: cannot read template "\.\/fixtures-missing\.yaml"/,
    );
  });

  it('ranks typos first, then names of the same group', () => {
    const names = ['gate/approval', 'gate/quality', 'node/test', 'notify/slack'];
    expect(nearestNames('gate/qualty', names)).toEqual(['gate/quality', 'gate/approval']);
    expect(nearestNames('zzz/zzz', names)).toEqual([]);
  });
});

// `kiln templates`, `kiln templates show`, and catalog names through `kiln validate` and
// `kiln render`, as a user runs them: the built CLI in a child process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogNames } from '../../syntax/template-catalog.js';
import { assertBuilt, kiln, scratch } from './helpers.js';

const tmp = scratch('cli');
beforeAll(assertBuilt);
afterAll(tmp.remove);

function pipeline(name: string, yaml: string): string {
  const file = join(tmp.dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

describe('kiln templates', () => {
  it('lists every catalog template with its params, required ones starred', async () => {
    const r = await kiln(['templates']);
    expect(r.code).toBe(0);
    for (const name of catalogNames()) expect(r.stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    expect(r.stdout).toMatch(/^git\/clone +Fetches one revision[^\n]*\n +params: url\*, revision, dir, depth$/m);
  });

  it('--json gives name, description, image, params (required, default, description) and results', async () => {
    const r = await kiln(['templates', '--json']);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as {
      name: string;
      params: { name: string; required: boolean; default?: string }[];
      results: string[];
    }[];
    expect(all.map((t) => t.name)).toEqual(catalogNames());
    const gate = all.find((t) => t.name === 'gate/quality')!;
    expect(gate.params.map((p) => [p.name, p.required, p.default])).toEqual([
      ['value', true, undefined],
      ['max', false, ''],
      ['min', false, ''],
      ['label', false, 'value'],
    ]);
    expect(gate.results).toEqual(['passed']);
    const one = await kiln(['templates', 'show', 'gate/quality', '--json']);
    expect(JSON.parse(one.stdout)).toEqual(gate);
  });

  it('show prints one template with a task to paste, and refuses an unknown name with suggestions (exit 2)', async () => {
    const r = await kiln(['templates', 'show', 'notify/slack']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  url (required): the incoming-webhook URL');
    expect(r.stdout).toContain('  timeout (default "10"): seconds to wait for the answer');
    // The example task is valid YAML naming the template with its required params.
    const example = parse(r.stdout.slice(r.stdout.indexOf('in a pipeline:\n') + 15));
    expect(example).toEqual({ 'my-task': { uses: 'notify/slack', with: { url: 'VALUE' } } });
    const bad = await kiln(['templates', 'show', 'notify/slak']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'kiln: "notify/slak" is not in the template catalog\n  hint: did you mean "notify/slack", "notify/dingtalk", "notify/email"? `kiln templates` lists the catalog\n',
    );
  });
});

describe('catalog names in pipelines', () => {
  it('kiln validate: an unknown name exits 2 with FILE:LINE:COL and the closest names', async () => {
    const file = pipeline(
      'unknown',
      'name: p\ntasks:\n  hook:\n    uses: notify/webhok\n    with: { url: "http://127.0.0.1:9/" }\n',
    );
    const r = await kiln(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `kiln: ${file}:4:11: uses: "notify/webhok" is not in the template catalog\n  hint: did you mean "notify/webhook", "notify/wecom", "notify/dingtalk"? \`kiln templates\` lists the catalog\n`,
    );
  });

  it('kiln validate: a known name validates and names the template file it read', async () => {
    const file = pipeline(
      'known',
      'name: p\ntasks:\n  gate:\n    uses: gate/quality\n    with: { value: "1", max: "2" }\n',
    );
    const r = await kiln(['validate', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^OK p: 1 task, 0 finally, 1 step, 0 params \(.*known\.yaml, .*\/templates\/gate\/quality\.yaml\)\n$/,
    );
  });

  it('kiln render: image/build becomes a buildah step (vfs storage) in its image, params in env', async () => {
    const file = pipeline(
      'image',
      'name: img\nworkspaces: [source]\ntasks:\n  build:\n    uses: image/build\n    with: { image: "registry.example/app:1", context: app, push: "true" }\n',
    );
    const r = await kiln(['render', file, '--task', 'build']);
    expect(r.stderr).toBe('');
    const pod = parse(r.stdout) as {
      spec: { containers: { name: string; image: string; env: { name: string; value: string }[] }[] };
    };
    const step = pod.spec.containers.find((c) => c.name === 'step-build')!;
    expect(step.image).toBe('quay.io/buildah/stable:v1.37');
    expect(Object.fromEntries(step.env.map((e) => [e.name, e.value]))).toMatchObject({
      IMAGE: 'registry.example/app:1',
      BUILD_CONTEXT: 'app',
      DOCKERFILE: 'Dockerfile',
      PUSH: 'true',
      STORAGE_DRIVER: 'vfs',
    });
    expect(r.stdout).toMatch(
      /buildah --storage-driver vfs bud --layers \$BUILD_FLAGS -f "\$DOCKERFILE" -t\s+"\$IMAGE" \./,
    );
    expect(r.stdout).toContain('buildah --storage-driver vfs push --digestfile "/kiln/results/digest" "$IMAGE"');
  });
});

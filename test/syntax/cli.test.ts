// `kiln validate` and `kiln graph` as a user runs them: the built CLI (npm run build) in a real process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const F = (name: string) => `test/syntax/fixtures/${name}`;

function kiln(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/kiln.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // `make test` and `npm test` build first; build here only when run on a fresh clone.
  if (!existsSync(join(ROOT, 'dist/kiln.mjs')))
    spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
});

describe('kiln validate', () => {
  it('prints one OK line per pipeline and exits 0 (Kiln files alone, Tekton files together)', () => {
    const r = kiln('validate', F('web-app.yaml'), F('tekton-split/tasks.yaml'), F('tekton-split/pipeline.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      `OK build: 2 tasks, 0 finally, 2 steps, 0 params (${F('tekton-split/tasks.yaml')}, ${F('tekton-split/pipeline.yaml')})`,
      `OK web-app: 4 tasks, 1 finally, 6 steps, 3 params (${F('web-app.yaml')}, ${F('templates/deploy.yaml')})`,
    ]);
    expect(r.stderr).toBe('');
  });

  it('exits 2 with every problem as FILE:LINE:COL and a hint, still checking the other files', () => {
    const r = kiln('validate', F('broken.yaml'), F('web-app.yaml'));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('OK web-app');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`kiln: ${F('broken.yaml')}:3:24: params.env: unknown key "typo"`);
    expect(lines[1]).toBe('  hint: did you mean "type"?');
    expect(lines.filter((l) => l.startsWith(F('broken.yaml')))).toHaveLength(12);
    expect(r.stderr).toContain(`${F('broken.yaml')}:22:3: the tasks form a cycle: a -> b -> a`);
  });

  it('shows control characters and bidi marks in names and paths escaped, never raw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-validate-'));
    // YAML's own escapes put ESC, BEL, NUL, C1 CSI and bidi marks into the names.
    const evil = join(dir, 'evil.yaml');
    writeFileSync(
      evil,
      'name: "evil\\e]0;PWNED\\a"\ntasks:\n  "t\\e]0;PWNED\\a\\0\\u202e":\n' +
        '    steps: [{ run: "echo hi" }]\n    needs: ["x\\x9b31m\\u2066"]\n',
    );
    const okPath = join(dir, 'ok\u001b[31m\u200f.yaml'); // the OK line shows the path
    writeFileSync(okPath, 'name: fine\ntasks:\n  a:\n    steps: [{ run: "true" }]\n');
    const r = kiln('validate', evil, okPath);
    expect(r.code).toBe(2);
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    expect(r.stdout + r.stderr).not.toMatch(unsafe);
    expect(r.stderr).toContain('task name "t\\x1b]0;PWNED\\x07\\0\\u202e" is not a valid name');
    expect(r.stderr).toContain('pipeline name "evil\\x1b]0;PWNED\\x07"');
    expect(r.stderr).toContain('there is no task "x\\x9b31m\\u2066"');
    expect(r.stdout).toContain(`(${dir}/ok\\x1b[31m\\u200f.yaml)`);
  });

  it('exits 2 for a file that does not exist', () => {
    const r = kiln('validate', F('missing.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${F('missing.yaml')}:1:1: cannot read the file (ENOENT)`);
  });
});

describe('kiln graph', () => {
  it('prints levels and arrows', () => {
    const r = kiln('graph', F('tekton-build.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'pipeline build-and-test: 3 tasks, 1 finally\nlevel 0: fetch\nlevel 1: test\nlevel 2: package\nfetch -> test (result)\ntest -> package\nfinally: report\n',
    );
  });

  it('prints DOT and Mermaid, and refuses an unknown format', () => {
    expect(kiln('graph', F('web-app.yaml'), '--format', 'dot').stdout).toMatch(
      /^digraph "web-app" \{\n[\s\S]*"build-app" -> "deploy-all" \[style=dashed\];/,
    );
    expect(kiln('graph', F('web-app.yaml'), '--format', 'mermaid').stdout).toContain('flowchart LR');
    const bad = kiln('graph', F('web-app.yaml'), '--format', 'svg');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are text, dot, mermaid');
  });

  it('exits 2 on a pipeline with a cycle', () => {
    const r = kiln('graph', F('broken.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the tasks form a cycle: a -> b -> a');
  });
});

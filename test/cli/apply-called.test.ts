// `kiln apply` of a pipeline calling files: each called file becomes a Pipeline resource under a
// name derived from its path and text, every `pipeline:` reference rewritten to it (a file calling
// itself included); the root stays embedded. A missing or invalid called file is refused before
// the cluster is contacted, naming the file and the calling task.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planCalled } from '../../cli/apply-called.js';
import { loadPipelineFiles, SpecError } from '../../syntax/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-apply-called-'));
  mkdirSync(join(dir, 'lib'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const MAIN = `name: release
tasks:
  deploy:
    pipeline: ./lib/deploy.yaml
    params: { n: "2" }
  report:
    steps: [{ run: "echo $(tasks.deploy.results.url)" }]
finally:
  tidy:
    pipeline: ./lib/deploy.yaml
    params: { n: "0" }
`;
const DEPLOY = `name: deploy
params: { n: {} }
tasks:
  push:
    results: [url]
    steps: [{ run: "echo x > $(results.url.path)" }]
  again:
    when: ["$(params.n) notin ['0']"]
    pipeline: ./deploy.yaml
    params: { n: "0" }
results: { url: $(tasks.push.results.url) }
`;

function plan(main = MAIN, deploy = DEPLOY) {
  writeFileSync(join(dir, 'main.yaml'), main);
  writeFileSync(join(dir, 'lib/deploy.yaml'), deploy);
  const file = join(dir, 'main.yaml');
  return planCalled(file, loadPipelineFiles([file]).pipeline, (p) => readFileSync(p, 'utf8'));
}

describe('kiln apply: called files as Pipeline resources', () => {
  it('applies each called file once under a derived name and rewrites every reference to it, recursion included', () => {
    const p = plan();
    expect([...p.pipelines.keys()]).toEqual([expect.stringMatching(/^deploy-[0-9a-f]{10}$/)]);
    const [name, spec] = [...p.pipelines][0]!;
    expect(spec).toMatchObject({ name: 'deploy', tasks: { again: { pipeline: name, params: { n: '0' } } } });
    expect(p.root).toMatchObject({
      name: 'release',
      tasks: { deploy: { pipeline: name, params: { n: '2' } } },
      finally: { tidy: { pipeline: name } },
    });
    // Stable: the same files give the same name; another text, another name.
    expect([...plan().pipelines.keys()]).toEqual([name]);
    expect([...plan(MAIN, DEPLOY.replace('echo x', 'echo y')).pipelines.keys()]).not.toEqual([name]);
  });

  it('rewrites pipelineRef names and the references inside an embedded pipelineSpec, which stays embedded', () => {
    const p = plan(`name: outer
tasks:
  wrap:
    pipelineSpec:
      tasks:
        inner:
          pipelineRef: { name: ./lib/deploy.yaml }
          params: { n: "0" }
`);
    const [name] = [...p.pipelines.keys()];
    expect(name).toMatch(/^deploy-[0-9a-f]{10}$/);
    expect(p.root).toEqual({
      name: 'outer',
      tasks: { wrap: { pipelineSpec: { tasks: { inner: { pipelineRef: { name }, params: { n: '0' } } } } } },
    });
  });

  it('a pipeline calling no file is embedded alone', () => {
    const p = plan('name: one\ntasks:\n  a: { steps: [{ run: x }] }\n');
    expect(p.pipelines.size).toBe(0);
    expect(p.root).toEqual({ name: 'one', tasks: { a: { steps: [{ run: 'x' }] } } });
  });

  it.each([
    [
      'missing',
      MAIN.replaceAll('./lib/deploy.yaml', './lib/nope.yaml'),
      DEPLOY,
      /cannot read "\.\/lib\/nope\.yaml".*task "deploy" calls/,
    ],
    [
      'invalid',
      MAIN,
      DEPLOY.replace('steps:', 'stepz:'),
      /"\.\/lib\/deploy\.yaml" .* is not valid: task "deploy" calls/,
    ],
  ])('%s called file is refused, naming the file and the calling task', (_, main, deploy, message) => {
    let err: unknown;
    try {
      plan(main, deploy);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toMatch(message);
    expect((err as SpecError).message).toContain('main.yaml:4:');
  });
});

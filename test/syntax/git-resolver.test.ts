// Tekton's git resolver against a repository on this machine (a real one, made here): taskRef and
// pipelineRef by url (a path or file:// URL), revision and pathInRepo; what cannot be reached here
// (the network, the forge API mode, the other resolvers) is refused with what to do instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineText, SpecError } from '../../syntax/index.js';
import { REPO } from '../../testkit/kiln-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-git-resolver-'));
const repo = join(scratch, 'catalog');
const url = pathToFileURL(repo).href;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const task = (word: string) =>
  `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: { name: say }\nspec:\n  params: [{ name: who, default: world }]\n  steps:\n    - name: say\n      image: busybox\n      script: echo "${word} $(params.who)"\n`;
const pipeline = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata: { name: greet }
spec:
  tasks:
    - name: greet
      taskRef:
        resolver: git
        params:
          - { name: url, value: "${url}" }
          - { name: pathInRepo, value: tasks/say.yaml }
`;
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);

beforeAll(() => {
  mkdirSync(join(repo, 'tasks'), { recursive: true });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'tasks/say.yaml'), task('hello'));
  writeFileSync(join(repo, 'pipeline.yaml'), pipeline);
  git('add', '.');
  git('commit', '-qm', 'v1');
  git('tag', 'v1');
  writeFileSync(join(repo, 'tasks/say.yaml'), task('goodbye'));
  git('commit', '-qam', 'v2');
  // Not committed: the resolver reads the revision, never the working tree.
  writeFileSync(join(repo, 'tasks/say.yaml'), task('uncommitted'));
});

const ref = (params: Record<string, string>, key = 'taskRef') =>
  `      ${key}:\n        resolver: git\n        params:\n${Object.entries(params)
    .map(([n, v]) => `          - { name: ${n}, value: "${v}" }\n`)
    .join('')}`;
const pipelineRun = (body: string) =>
  `apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: { name: r }\nspec:\n  pipelineSpec:\n    tasks:\n      - name: t\n${body.replace(/^/gm, '  ')}`;
const scriptOf = (text: string) =>
  parsePipelineText(text, join(scratch, 'run.yaml')).pipeline.tasks[0]!.steps[0]!.script;

function problems(text: string): string[] {
  try {
    parsePipelineText(text, join(scratch, 'run.yaml'));
  } catch (err) {
    if (err instanceof SpecError) return err.diagnostics.map((d) => `${d.message} | ${d.hint ?? ''}`);
    throw err;
  }
  return [];
}

describe('the git resolver, to a repository on this machine', () => {
  it('reads a pipeline task taskRef at the revision asked (main by default, a tag, a path URL)', () => {
    expect(scriptOf(pipelineRun(ref({ url, pathInRepo: 'tasks/say.yaml' })))).toBe('echo "goodbye $(params.who)"');
    expect(scriptOf(pipelineRun(ref({ url, revision: 'v1', pathInRepo: 'tasks/say.yaml' })))).toBe(
      'echo "hello $(params.who)"',
    );
    expect(scriptOf(pipelineRun(ref({ url: repo, revision: 'v1', pathInRepo: 'tasks/say.yaml' })))).toBe(
      'echo "hello $(params.who)"',
    );
  });

  it('reads a TaskRun taskRef and a PipelineRun pipelineRef (whose Pipeline uses the resolver itself)', () => {
    const taskRun = `apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: { name: tr }\nspec:\n  params: [{ name: who, value: git }]\n${ref({ url, pathInRepo: 'tasks/say.yaml' }).replace(/^ {4}/gm, '')}`;
    expect(parsePipelineText(taskRun, join(scratch, 'tr.yaml')).pipeline.tasks[0]!.steps[0]!.script).toBe(
      'echo "goodbye $(params.who)"',
    );
    const run = `apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: { name: pr }\nspec:\n${ref({ url, pathInRepo: 'pipeline.yaml', revision: 'v1' }, 'pipelineRef').replace(/^ {4}/gm, '')}`;
    const { pipeline: p } = parsePipelineText(run, join(scratch, 'pr.yaml'));
    expect(p.name).toBe('greet');
    expect(p.tasks[0]!.steps[0]!.script).toBe('echo "goodbye $(params.who)"');
  });

  it('reads a pipeline task pipelineRef (a pipeline in a pipeline)', () => {
    const { pipeline: p } = parsePipelineText(
      pipelineRun(ref({ url, revision: 'v1', pathInRepo: 'pipeline.yaml' }, 'pipelineRef')),
      join(scratch, 'child.yaml'),
    );
    const child = p.pipelines?.[p.tasks[0]!.pipeline!.ref];
    expect(child?.name).toBe('greet');
    // The child Pipeline (at v1) names its Task by the resolver too: main's, not the tag's.
    expect(child?.tasks[0]!.steps[0]!.script).toBe('echo "goodbye $(params.who)"');
  });

  it('says what git said when the revision or the path is not there, and a wrong kind', () => {
    expect(problems(pipelineRun(ref({ url, revision: 'v9', pathInRepo: 'tasks/say.yaml' })))).toEqual([
      expect.stringMatching(
        /^spec.pipelineSpec.tasks\[0\].taskRef: git cannot read .*@v9:tasks\/say.yaml: fatal: invalid object name 'v9'/,
      ),
    ]);
    expect(problems(pipelineRun(ref({ url, pathInRepo: 'tasks/none.yaml' })))).toEqual([
      expect.stringMatching(/git cannot read .*: fatal: path 'tasks\/none.yaml' does not exist in 'main'/),
    ]);
    expect(problems(pipelineRun(ref({ url, pathInRepo: 'pipeline.yaml' })))).toEqual([
      expect.stringMatching(/holds a Pipeline, not a Task/),
    ]);
  });

  it('refuses what cannot be reached from here, saying what to do', () => {
    expect(
      problems(pipelineRun(ref({ url: 'https://github.com/tektoncd/catalog.git', pathInRepo: 'a.yaml' }))),
    ).toEqual([
      expect.stringMatching(/reaches only a repository on this machine here.*\| clone it and give url: file:/),
    ]);
    expect(problems(pipelineRun(ref({ org: 'tektoncd', repo: 'catalog', pathInRepo: 'a.yaml' })))).toEqual([
      expect.stringMatching(/API mode \(org, repo\) needs a forge over the network/),
    ]);
    for (const resolver of ['hub', 'bundles', 'cluster'])
      expect(
        problems(
          pipelineRun(`      taskRef:\n        resolver: ${resolver}\n        params: [{ name: name, value: x }]\n`),
        ),
      ).toEqual([
        expect.stringMatching(new RegExp(`the ${resolver} resolver is not available here.*\\| fetch the Task`)),
      ]);
  });

  it('kiln run runs the Task read from the repository', () => {
    const file = join(scratch, 'run-git.yaml');
    writeFileSync(file, pipelineRun(ref({ url, revision: 'v1', pathInRepo: 'tasks/say.yaml' })));
    const r = spawnSync(process.execPath, [join(REPO, 'bin/kiln.js'), 'run', file], { cwd: scratch, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('t/say | hello world');
  });
});

// The local runtime's pure parts: step argv, the sandbox argv,
// line splitting, workspace paths, what the files say about a task run, and where the agent is.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kilnPaths } from '../../../contract/index.js';
import { locateAgent } from '../../../runtimes/host/agent-path.js';
import type { ResolvedStep, TaskRunPlan } from '../../../engine/runtime.js';
import { sandboxArgv, stepArgv } from '../../../runtimes/host/commands.js';
import { scriptText } from '../../../runtimes/host/shell.js';
import { LineSplitter } from '../../../runtimes/host/lines.js';
import { workspaceHostDirs } from '../../../runtimes/host/layout.js';
import { observeTaskRun } from '../../../runtimes/host/observe.js';

const rstep = (over: Partial<ResolvedStep> = {}): ResolvedStep => ({
  name: 's',
  env: {},
  onError: 'stopAndFail',
  script: 'true',
  ...over,
});

describe('step argv', () => {
  const paths = kilnPaths('/kiln');
  it('chains step 0 on the ready file and step i on step i-1', () => {
    const first = stepArgv({ agent: ['/a'], paths, index: 0, step: rstep({ timeoutMs: 1500 }), results: ['r1', 'r2'] });
    expect(first.slice(0, 5)).toEqual(['/a', 'entrypoint', '-wait_file', '/kiln/downward/ready', '-wait_file_content']);
    expect(first).toContain('-results');
    expect(first[first.indexOf('-results') + 1]).toBe('r1,r2');
    expect(first[first.indexOf('-timeout') + 1]).toBe('1.5s');
    expect(first.slice(-3)).toEqual(['-entrypoint', '/kiln/scripts/0', '--']);
    const second = stepArgv({
      agent: ['/a'],
      paths,
      index: 1,
      step: rstep({ script: undefined, command: ['echo', 'hi'], onError: 'continue' }),
      results: [],
    });
    expect(second.slice(2, 4)).toEqual(['-wait_file', '/kiln/run/0/out']);
    expect(second).not.toContain('-wait_file_content');
    expect(second).not.toContain('-results');
    expect(second[second.indexOf('-on_error') + 1]).toBe('continue');
    expect(second.slice(-4)).toEqual(['-entrypoint', 'echo', '--', 'hi']);
  });

  it('gives a script without #! sh -e, and keeps one with it', () => {
    expect(scriptText('echo hi')).toBe('#!/bin/sh\nset -e\necho hi');
    expect(scriptText('#!/usr/bin/env python3\nprint(1)')).toBe('#!/usr/bin/env python3\nprint(1)');
  });

  it('builds a sandbox with the host root read-only and its own mounts', () => {
    const argv = sandboxArgv({
      hostRoot: [{ name: 'usr' }, { name: 'bin', link: 'usr/bin' }, { name: 'proc' }, { name: 'tmp' }],
      taskRunDir: '/runs/r/t',
      binds: { '/workspace/src': '/home/me/src' },
      readOnly: ['/tmp/checkout/dist/kiln-agent'],
      cwd: '/workspace/src',
    });
    expect(argv.join(' ')).toBe(
      'bwrap --tmpfs / --ro-bind /usr /usr --symlink usr/bin /bin --dev /dev --proc /proc --tmpfs /tmp ' +
        '--bind /runs/r/t /kiln --bind /home/me/src /workspace/src ' +
        '--ro-bind /tmp/checkout/dist/kiln-agent /tmp/checkout/dist/kiln-agent --unshare-pid --die-with-parent --chdir /workspace/src --',
    );
  });
});

describe('LineSplitter', () => {
  it('joins pieces into lines, splits multi-byte characters safely, and cuts over-long lines', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 8);
    const euro = Buffer.from('€');
    s.push(Buffer.concat([Buffer.from('ab'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('c\r\nde')]));
    s.push(Buffer.from('f\n0123456789abc'));
    s.end();
    expect(lines).toEqual(['ab€c', 'def', '01234567', '89abc']);
  });
});

describe('workspaceHostDirs', () => {
  const plan = (bindings: TaskRunPlan['workspaceBindings'], subPath?: string): TaskRunPlan => ({
    pipelineRun: 'run',
    pipeline: 'p',
    name: 'run-t',
    task: 't',
    attempt: 0,
    steps: [],
    results: [],
    env: {},
    workspaces: [{ name: 'src', workspace: 'source', subPath }],
    workspaceBindings: bindings,
  });
  it('maps bound, fresh and subPath workspaces', () => {
    expect(workspaceHostDirs(plan({ source: { kind: 'dir', path: '/data', subPath: 'a' } }, 'b'), '/base')).toEqual({
      src: '/data/a/b',
    });
    expect(workspaceHostDirs(plan({}), '/base')).toEqual({ src: '/base/run/workspaces/source' });
  });
  it('refuses a subPath that leaves the workspace and a PVC', () => {
    expect(() => workspaceHostDirs(plan({}, '../../etc'), '/base')).toThrow(/leaves its workspace/);
    expect(() => workspaceHostDirs(plan({ source: { kind: 'pvc', claimName: 'c' } }), '/base')).toThrow(
      /PersistentVolumeClaim "c".*cannot be used locally/,
    );
  });
});

describe('observeTaskRun', () => {
  const exited = { code: 0, signal: null, at: 2000 };
  it('a crashed agent fails its step with a reason', () => {
    const run = observeTaskRun('t', [rstep()], [{ exited: { code: 9, signal: null, at: 2000 } }], undefined, 1000);
    expect(run).toMatchObject({ status: 'Failed', reason: 'StepFailed' });
    expect(run.steps[0]!.reason).toMatch(/AgentFailed: the agent ended with exit code 9/);
  });
  it('merges results of all steps, later steps winning', () => {
    const run = observeTaskRun(
      't',
      [rstep(), rstep()],
      [
        { exited, termination: { exitCode: 0, results: { a: '1', b: '1' } } },
        { exited, termination: { exitCode: 0, results: { b: '2' } } },
      ],
      undefined,
      1000,
    );
    expect(run).toMatchObject({ status: 'Succeeded', results: { a: '1', b: '2' }, finishedAt: 2000 });
  });
});

describe('locateAgent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-agent-path-'));
  const touch = (path: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
  };
  touch(join(dir, 'pkg/dist/kiln-agent'));
  touch(join(dir, 'sea/bin/kiln'));
  touch(join(dir, 'sea/bin/kiln-agent'));

  it("takes $KILN_AGENT, else the package's dist/kiln-agent, else the agent beside a single executable", () => {
    expect(locateAgent({ KILN_AGENT: join(dir, 'sea/bin/kiln-agent') }, join(dir, 'pkg'))).toEqual([
      join(dir, 'sea/bin/kiln-agent'),
    ]);
    expect(locateAgent({}, join(dir, 'pkg'), join(dir, 'sea/bin/kiln'))).toEqual([join(dir, 'pkg/dist/kiln-agent')]);
    expect(locateAgent({}, null, join(dir, 'sea/bin/kiln'))).toEqual([join(dir, 'sea/bin/kiln-agent')]);
    expect(() => locateAgent({}, null, join(dir, 'pkg/bin/kiln'))).toThrow(/kiln-agent not found in/);
  });
});

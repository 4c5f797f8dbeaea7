// The local runtime with the real agent: real processes, real files, real bubblewrap.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../engine/index.js';
import { pipeline, step, task } from '../../../testkit/pipelines.js';
import type { PipelineSpec, WorkspaceBinding } from '../../../syntax/model.js';
import type { ObservedTaskRun, TaskRunPlan } from '../../../engine/runtime.js';
import { LocalRuntime, locateAgent, type OutputLine } from '../../../runtimes/host/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-local-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;

interface LocalRunOptions {
  isolate?: boolean;
  keep?: boolean;
  workspaces?: Record<string, WorkspaceBinding>;
  signal?: AbortSignal;
}

async function runLocal(spec: PipelineSpec, opts: LocalRunOptions = {}) {
  const baseDir = join(scratch, 'runs');
  const output: OutputLine[] = [];
  const runName = `t${++runs}`;
  const runtime = new LocalRuntime({
    baseDir,
    agent: locateAgent(),
    isolate: opts.isolate,
    keep: opts.keep,
    killGraceMs: 2000,
    onOutput: (l) => output.push(l),
  });
  const record = await runPipeline({
    input: { runName, pipeline: spec, params: {}, workspaces: opts.workspaces ?? {} },
    runtime,
    signal: opts.signal,
  });
  const lines = (task: string, stepName?: string) =>
    output
      .filter((l) => l.task === task && (!stepName || l.step === stepName) && l.stream === 'stdout')
      .map((l) => l.line);
  const one = (name: string) => record.tasks.find((t) => t.name === name)!;
  return { record, output, lines, one, runDir: join(baseDir, runName) };
}

/** Polls a condition (a file appearing) with a bounded wait. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const ws = (name: string) => ({ name, workspace: name });

describe('local runtime', () => {
  it('passes results between tasks and keeps output lines whole and attributed', async () => {
    const { record, lines, one } = await runLocal(
      pipeline([
        task('make', {
          results: ['digest'],
          steps: [
            step(
              `printf 'sha:%s' "$(echo 42)" > $(results.digest.path)\necho first line\nprintf 'xxxxxxxxxx'; printf '%s\\n' "${'y'.repeat(5000)}"`,
              { name: 'write' },
            ),
          ],
        }),
        task('use', { steps: [step('echo "got $(tasks.make.results.digest)"', { name: 'read' })] }),
      ]),
    );
    expect(record.status).toBe('Succeeded');
    expect(one('make').results).toEqual({ digest: 'sha:42' });
    expect(lines('use', 'read')).toEqual(['got sha:42']);
    expect(lines('make', 'write')).toEqual(['first line', `xxxxxxxxxx${'y'.repeat(5000)}`]);
  });

  it('a failing step skips the steps after it and fails the task', async () => {
    const { record, one, lines } = await runLocal(
      pipeline([task('t', { steps: [step('exit 3', { name: 'bad' }), step('echo never', { name: 'after' })] })]),
    );
    expect(record.status).toBe('Failed');
    expect(one('t')).toMatchObject({ status: 'Failed', reason: 'StepFailed' });
    expect(one('t').steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['bad', 'Failed', 3],
      ['after', 'Skipped', null],
    ]);
    expect(lines('t', 'after')).toEqual([]);
  });

  it('onError continue records the failure and runs the next step', async () => {
    const { record, one, lines } = await runLocal(
      pipeline([
        task('t', {
          steps: [step('exit 2', { name: 'soft', onError: 'continue' }), step('echo ran', { name: 'next' })],
        }),
      ]),
    );
    expect(record.status).toBe('Succeeded');
    expect(one('t').steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['soft', 'Failed', 2],
      ['next', 'Succeeded', 0],
    ]);
    expect(lines('t', 'next')).toEqual(['ran']);
  });

  it('a step timeout ends the step as TimedOut and fails the task', async () => {
    const { one } = await runLocal(
      pipeline([
        task('t', {
          steps: [step('sleep 30', { name: 'slow', timeoutMs: 300 }), step('echo never', { name: 'after' })],
        }),
      ]),
    );
    expect(one('t')).toMatchObject({ status: 'Failed', reason: 'StepTimedOut' });
    expect(one('t').steps.map((s) => s.status)).toEqual(['TimedOut', 'Skipped']);
  });

  it('cancelling ends every step process and the run is Cancelled', async () => {
    const dir = mkdtempSync(join(scratch, 'ws-'));
    const abort = new AbortController();
    const pending = runLocal(
      pipeline(
        [
          task('t', {
            workspaces: [ws('w')],
            steps: [
              step('echo $$ > $(workspaces.w.path)/pid; exec sleep 60', { name: 'sleeper' }),
              step('echo never', { name: 'after' }),
            ],
          }),
        ],
        [],
        { workspaces: [{ name: 'w' }] },
      ),
      { workspaces: { w: { kind: 'dir', path: dir } }, signal: abort.signal },
    );
    const pidFile = join(dir, 'pid');
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'),
      'the step to write its pid',
    );
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    abort.abort();
    const { record, one } = await pending;
    expect(record.status).toBe('Cancelled');
    expect(one('t').steps.map((s) => s.status)).toEqual(['Cancelled', 'Cancelled']);
    expect(alive(pid)).toBe(false);
  });

  it('a task timeout stops the task run as TimedOut', async () => {
    const { one, record } = await runLocal(pipeline([task('t', { timeoutMs: 400, steps: [step('sleep 30')] })]));
    expect(one('t')).toMatchObject({ status: 'TimedOut' });
    expect(record.status).toBe('Failed');
  });

  it('shares a bound workspace between tasks; runs shebang scripts and argv commands with env and workingDir', async () => {
    const dir = mkdtempSync(join(scratch, 'ws-'));
    mkdirSync(join(dir, 'sub'));
    const { record, lines } = await runLocal(
      pipeline(
        [
          task('write', {
            workspaces: [ws('src')],
            env: { WHO: 'task' },
            steps: [step('echo "$WHO-$STEP" > $(workspaces.src.path)/note', { env: { STEP: 'step' } })],
          }),
          task('read', {
            needs: ['write'],
            workspaces: [ws('src')],
            steps: [
              step(
                '#!/usr/bin/env node\nconsole.log(require("fs").readFileSync("$(workspaces.src.path)/note", "utf8").trim())',
                { name: 'node' },
              ),
              {
                ...step(''),
                script: undefined,
                name: 'argv',
                command: ['sh', '-c', 'pwd; echo "$@"', 'sh', 'a b', 'c'],
                workingDir: '$(workspaces.src.path)/sub',
              },
            ],
          }),
        ],
        [],
        { workspaces: [{ name: 'src' }] },
      ),
      { workspaces: { src: { kind: 'dir', path: dir } } },
    );
    expect(record.status).toBe('Succeeded');
    expect(lines('read', 'node')).toEqual(['task-step']);
    expect(lines('read', 'argv')).toEqual([join(dir, 'sub'), 'a b c']);
  });

  it('gives unbound workspaces a fresh directory per run, removed afterwards unless kept', async () => {
    const spec = pipeline(
      [
        task('a', { workspaces: [ws('tmp')], steps: [step('echo hi > $(workspaces.tmp.path)/f')] }),
        task('b', { needs: ['a'], workspaces: [ws('tmp')], steps: [step('cat $(workspaces.tmp.path)/f')] }),
      ],
      [],
      { workspaces: [{ name: 'tmp' }] },
    );
    const gone = await runLocal(spec);
    expect(gone.lines('b')).toEqual(['hi']);
    expect(existsSync(gone.runDir)).toBe(false);
    const kept = await runLocal(spec, { keep: true });
    expect(readFileSync(join(kept.runDir, 'workspaces', 'tmp', 'f'), 'utf8')).toBe('hi\n');
    expect(existsSync(join(kept.runDir, `${kept.record.id}-a`, 'downward', 'ready'))).toBe(true);
  });

  it('with --isolate runs steps in bubblewrap: /kiln, /workspace/<name>, host root read-only', async () => {
    const dir = mkdtempSync(join(scratch, 'ws-'));
    const hostFile = join(scratch, 'host-file');
    writeFileSync(hostFile, 'host');
    const { record, lines, one } = await runLocal(
      pipeline(
        [
          task('t', {
            workspaces: [ws('src')],
            results: ['where'],
            steps: [
              step(
                [
                  'printf "%s" "$(results.where.path)" > $(results.where.path)',
                  'echo "ws=$(workspaces.src.path) pwd=$(pwd)"',
                  'echo inside > /workspace/src/made',
                  `if echo x > ${hostFile} 2>/dev/null; then echo host-writable; else echo host-read-only; fi`,
                  'ls /kiln | tr "\\n" " "; echo',
                ].join('\n'),
              ),
            ],
          }),
        ],
        [],
        { workspaces: [{ name: 'src' }] },
      ),
      { isolate: true, workspaces: { src: { kind: 'dir', path: dir } } },
    );
    expect(record.status).toBe('Succeeded');
    expect(one('t').results).toEqual({ where: '/kiln/results/where' });
    expect(lines('t')).toEqual([
      'ws=/workspace/src pwd=/workspace/src',
      'host-read-only',
      'downward logs results run scripts ',
    ]);
    expect(readFileSync(join(dir, 'made'), 'utf8')).toBe('inside\n');
    expect(readFileSync(hostFile, 'utf8')).toBe('host');
  });

  it('refuses a PersistentVolumeClaim workspace with a clear error', async () => {
    const { one } = await runLocal(
      pipeline([task('t', { workspaces: [ws('data')] })], [], { workspaces: [{ name: 'data' }] }),
      { workspaces: { data: { kind: 'pvc', claimName: 'my-claim' } } },
    );
    expect(one('t')).toMatchObject({ status: 'Failed', reason: 'StartFailed' });
  });

  it('a cancel that arrives while the task run is being set up stops it before any step runs', async () => {
    const marker = join(scratch, 'early-ran');
    const runtime = new LocalRuntime({ baseDir: join(scratch, 'runs'), agent: locateAgent(), killGraceMs: 2000 });
    const ended = new Promise<ObservedTaskRun>((done) => runtime.onUpdate((u) => u.status !== 'Running' && done(u)));
    const plan: TaskRunPlan = {
      pipelineRun: 'early',
      pipeline: 'p',
      name: 'early-t',
      task: 't',
      attempt: 0,
      results: [],
      env: {},
      workspaces: [],
      workspaceBindings: {},
      steps: [{ name: 's', script: `touch ${marker}`, env: {}, onError: 'stopAndFail' }],
    };
    const starting = runtime.start(plan);
    await runtime.cancel(plan.name, 'Cancelled');
    await starting;
    const update = await ended;
    expect(update).toMatchObject({ status: 'Cancelled', steps: [{ name: 's', status: 'Cancelled' }] });
    expect(existsSync(marker)).toBe(false);
    await runtime.cleanup('early');
  });

  it('runs a per-task-run sidecar (the log proxy seam) and reports the task run once it has exited', async () => {
    const runtime = new LocalRuntime({
      baseDir: join(scratch, 'runs'),
      agent: locateAgent(),
      keep: true,
      killGraceMs: 5000,
      // Stands in for the log proxy: it waits for the last step's post file, then finishes its work.
      sidecar: ({ steps }) => [
        'sh',
        '-c',
        `while [ ! -e run/${steps.length - 1}/out ]; do sleep 0.02; done; sleep 0.2; echo drained > sidecar-done`,
      ],
    });
    const ended = new Promise<ObservedTaskRun>((done) => runtime.onUpdate((u) => u.status !== 'Running' && done(u)));
    await runtime.start({
      pipelineRun: 'side',
      pipeline: 'p',
      name: 'side-t',
      task: 't',
      attempt: 0,
      results: [],
      env: {},
      workspaces: [],
      workspaceBindings: {},
      steps: [{ name: 's', script: 'true', env: {}, onError: 'stopAndFail' }],
    });
    expect((await ended).status).toBe('Succeeded');
    expect(readFileSync(join(scratch, 'runs', 'side', 'side-t', 'sidecar-done'), 'utf8')).toBe('drained\n');
  });
});

// What a local run leaves behind: no Kiln credential in a step's environment, and no process of
// the run alive after any kind of stop (task timeout, pipeline timeout, cancel), a step that
// ignores SIGTERM and its `setsid` descendant included. Real agents, real processes, /proc.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../engine/index.js';
import { markedProcesses } from '../../../contract/proc/index.js';
import { pipeline, step, task } from '../../../testkit/pipelines.js';
import { waitFor } from '../../../testkit/log-proxy-pod.js';
import type { PipelineSpec } from '../../../syntax/model.js';
import { LocalRuntime, locateAgent, type OutputLine } from '../../../runtimes/host/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-procs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;

async function run(
  spec: PipelineSpec,
  o: { isolate?: boolean; timeoutMs?: number; started?: string; abort?: boolean; hostRunners?: number } = {},
) {
  const output: OutputLine[] = [];
  const runName = `procs${++runs}`;
  const abort = new AbortController();
  const runtime = new LocalRuntime({
    baseDir: join(scratch, 'runs'),
    agent: locateAgent(),
    isolate: o.isolate,
    hostRunners: o.hostRunners,
    killGraceMs: 500,
    onOutput: (l) => output.push(l),
    env: {
      ...process.env,
      KILN_COLLECTOR_SECRET: 'the-secret',
      KILN_TOKEN: 'a-reader-token',
      KILN_READER_TOKEN: 'another',
      KILN_DATABASE_URL: 'postgres://u:pw@h/db',
      KILN_COLLECTOR: 'http://keep.me',
    },
  });
  // Once the step has started: the most processes seen carrying the run's marker (so the sweep has
  // something to find), then, for a cancel, the Ctrl-C. One look is not enough: a process in the
  // middle of an exec, or a sleep just ended, shows an empty environment for a moment, so /proc is
  // read until the three expected are seen (bounded; a shortfall then fails the assertion).
  let whileRunning = 0;
  if (o.started)
    void waitFor('the step to start', () => existsSync(o.started!))
      .then(() =>
        waitFor(
          'the run marker on the agent, the step and its setsid child',
          () => {
            whileRunning = Math.max(whileRunning, markedProcesses(runName).length);
            return whileRunning >= 3;
          },
          5_000,
        ).catch(() => undefined),
      )
      .then(() => {
        if (o.abort) abort.abort();
      });
  const record = await runPipeline({
    input: { runName, pipeline: spec, params: {}, workspaces: {}, timeoutMs: o.timeoutMs },
    runtime,
    signal: abort.signal,
  });
  return { record, runName, whileRunning, lines: output.filter((l) => l.stream === 'stdout').map((l) => l.line) };
}

/** A step that ignores SIGTERM and leaves a `setsid` descendant that ignores it too. */
const stubborn = (started: string) =>
  step(`trap '' TERM\nsetsid sh -c 'while :; do sleep 1; done' &\ntouch ${started}\nwhile :; do sleep 1; done`, {
    name: 'stubborn',
  });

const leftAfterRun = async (runName: string) => {
  // SIGKILL is delivered asynchronously: wait (bounded) for the kernel to finish what was sent.
  await waitFor('the run to leave no process', () => markedProcesses(runName).length === 0, 10_000).catch(
    () => undefined,
  );
  return markedProcesses(runName);
};

describe('a local run and its processes', () => {
  for (const isolate of [false, true]) {
    it.skipIf(isolate && !hasBwrap)(
      `a step sees no Kiln credential, only the run marker${isolate ? ' (--isolate)' : ''}`,
      async () => {
        const { lines, runName, record } = await run(pipeline([task('t', { steps: [step('env', { name: 'e' })] })]), {
          isolate,
        });
        expect(record.status).toBe('Succeeded');
        const names = lines.map((l) => l.split('=')[0]);
        for (const secret of ['KILN_COLLECTOR_SECRET', 'KILN_TOKEN', 'KILN_READER_TOKEN', 'KILN_DATABASE_URL'])
          expect(names).not.toContain(secret);
        expect(lines.join('\n')).not.toMatch(/the-secret|a-reader-token|pw@h/);
        expect(lines).toContain('KILN_COLLECTOR=http://keep.me');
        expect(lines).toContain(`KILN_RUN_ID=${runName}/${record.tasks[0]!.taskRun}`);
      },
    );
  }

  it('a task timeout leaves no process of the run', async () => {
    const started = join(scratch, `started-${runs + 1}`);
    const { record, runName, whileRunning } = await run(
      pipeline([task('t', { timeoutMs: 1500, steps: [stubborn(started)] })]),
      { started },
    );
    // At least the agent, the step's shell and its setsid child (their sleeps come and go).
    expect(whileRunning).toBeGreaterThanOrEqual(3);
    expect(record.tasks[0]!.status).toBe('TimedOut');
    expect(await leftAfterRun(runName)).toEqual([]);
  });

  it('a pipeline timeout leaves no process of the run', async () => {
    const started = join(scratch, `started-${runs + 1}`);
    const { record, runName, whileRunning } = await run(pipeline([task('t', { steps: [stubborn(started)] })]), {
      timeoutMs: 1500,
      started,
    });
    expect(whileRunning).toBeGreaterThanOrEqual(3);
    expect(record.status).toBe('TimedOut');
    expect(await leftAfterRun(runName)).toEqual([]);
  });

  it('a cancel (Ctrl-C) leaves no process of the run', async () => {
    const started = join(scratch, `started-${runs + 1}`);
    const { record, runName, whileRunning } = await run(pipeline([task('t', { steps: [stubborn(started)] })]), {
      started,
      abort: true,
    });
    expect(whileRunning).toBeGreaterThanOrEqual(3);
    expect(record.status).toBe('Cancelled');
    expect(await leftAfterRun(runName)).toEqual([]);
  });

  // Task runs fanned out: each that starts while every runner is busy gets another, up to the bound.
  it('task runs at once share at most hostRunners runners, and a timeout leaves no process of any', async () => {
    const dir = mkdtempSync(join(scratch, 'fan-'));
    // Each step says which process spawned it (its runner), then waits until all three have started.
    const meet = (i: number) =>
      step(`echo runner=$PPID\ntouch ${dir}/${i}\nwhile [ $(ls ${dir} | wc -l) -lt 3 ]; do sleep 0.05; done`, {
        name: 'meet',
      });
    const fan = await run(pipeline([0, 1, 2].map((i) => task(`t${i}`, { steps: [meet(i)] }))), { hostRunners: 2 });
    expect(fan.record.status).toBe('Succeeded');
    expect(new Set(fan.lines.filter((l) => l.startsWith('runner=')))).toHaveLength(2);
    expect(await leftAfterRun(fan.runName)).toEqual([]);

    const started = join(scratch, `started-${runs + 1}`);
    const { record, runName } = await run(
      pipeline([task('a', { steps: [stubborn(started)] }), task('b', { steps: [stubborn(`${started}-b`)] })]),
      { timeoutMs: 1500, started, hostRunners: 2 },
    );
    expect(record.status).toBe('TimedOut');
    expect(await leftAfterRun(runName)).toEqual([]);
  });
});

// kiln run's console: status lines, the live block redrawn in place, and flag parsing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord, TaskRunRecord } from '../../contract/index.js';
import { pipeline } from '../../testkit/pipelines.js';
import { RunConsole } from '../../cli/run-console.js';
import { parseConcurrency, parseWorkspaceFlags } from '../../cli/run-options.js';
import { formatElapsed, progressBlock, summary, taskLine } from '../../cli/run-progress.js';
import { coloured, colourWanted, paintFor, plain } from '../../cli/colour.js';

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(T0 + ms).toISOString();
const taskRec = (over: Partial<TaskRunRecord>): TaskRunRecord => ({
  name: 'build',
  taskRun: 'r-build',
  status: 'Pending',
  attempts: 0,
  results: {},
  steps: [],
  ...over,
});
const rec = (tasks: TaskRunRecord[]): RunRecord => ({
  id: 'p-abcde',
  name: 'p',
  status: 'Running',
  startedAt: at(0),
  params: {},
  tasks,
});

/** The end of this turn of the event loop, when the console writes the output it held. */
const turn = () => new Promise((r) => setImmediate(r));

class Sink {
  text = '';
  writes = 0;
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(s: string) {
    this.writes++;
    this.text += s;
  }
}

describe('run progress', () => {
  it('formats elapsed times', () => {
    expect([formatElapsed(1234), formatElapsed(61_000), formatElapsed(-5)]).toEqual(['1.2s', '1m01s', '0.0s']);
  });

  it('shows the running step, the failing step, and skip reasons', () => {
    const running = taskRec({
      status: 'Running',
      startedAt: at(0),
      attempts: 2,
      steps: [
        { name: 'a', status: 'Succeeded', exitCode: 0 },
        { name: 'b', status: 'Running', exitCode: null },
      ],
    });
    expect(taskLine(running, T0 + 2500)).toBe('▶ build  Running      2.5s  attempt 2  b');
    const failed = taskRec({
      status: 'Failed',
      startedAt: at(0),
      finishedAt: at(1000),
      attempts: 1,
      steps: [{ name: 'b', status: 'Failed', exitCode: 3 }],
    });
    expect(taskLine(failed, T0 + 9999)).toBe('✘ build  Failed       1.0s  step b exited 3');
    expect(
      taskLine(taskRec({ name: 't', matrix: { os: 'linux' }, status: 'Skipped', reason: 'WhenExpressionsFalse' }), T0),
    ).toBe('○ t[os=linux]  Skipped            WhenExpressionsFalse');
    // A reason with its message (the record keeps them apart, as Tekton's condition does).
    const sidecar = taskRec({ status: 'Failed', reason: 'SidecarFailed', message: 'sidecar "db" exited with code 3' });
    expect(taskLine(sidecar, T0)).toBe('✘ build  Failed             SidecarFailed: sidecar "db" exited with code 3');
  });

  it('cuts block lines to the terminal width', () => {
    const block = progressBlock(
      rec([taskRec({ name: 'x'.repeat(50), status: 'Running', startedAt: at(0) })]),
      T0 + 1000,
      30,
    );
    expect(block[0]).toBe('p-abcde  Running  1.0s');
    expect(block[1]!.length).toBe(30);
    expect(block[1]!.endsWith('…')).toBe(true);
  });
});

describe('RunConsole', () => {
  it('prints one status line per change when not a terminal', async () => {
    const out = new Sink(false);
    const view = new RunConsole(out, false, () => T0 + 500);
    view.change(rec([taskRec({})]));
    view.change(rec([taskRec({ status: 'Running', startedAt: at(0) })]));
    view.change(rec([taskRec({ status: 'Running', startedAt: at(0) })]));
    view.output({
      pipelineRun: 'p',
      taskRun: 'r-build',
      task: 'build',
      step: 'compile',
      stream: 'stdout',
      line: 'hello',
    });
    await turn();
    expect(out.text).toBe('▶ build  Running      0.5s\nbuild/compile | hello\n');
  });

  const step = { pipelineRun: 'p', taskRun: 'r-build', task: 'build', step: 'compile', stream: 'stdout' } as const;

  it("writes the lines of one turn in one write, and kiln's own messages after them", async () => {
    const out = new Sink(false);
    const view = new RunConsole(out, false, () => T0 + 500);
    for (let i = 0; i < 1000; i++) view.output({ ...step, line: `line ${i}` });
    expect(out.writes).toBe(0);
    await turn();
    expect(out.writes).toBe(1);
    expect(out.text.split('\n')).toHaveLength(1001);
    view.output({ ...step, line: 'before the status line' });
    view.change(rec([taskRec({ status: 'Running', startedAt: at(0) })]));
    view.output({ ...step, line: 'before the notice' });
    view.notice('kiln: a notice');
    view.output({ ...step, line: 'before the summary' });
    view.finish({
      ...rec([taskRec({ status: 'Succeeded', startedAt: at(0), finishedAt: at(400) })]),
      status: 'Succeeded',
      finishedAt: at(400),
    });
    expect(out.text.split('\n').slice(1000, 1006)).toEqual([
      'build/compile | before the status line',
      '▶ build  Running      0.5s',
      'build/compile | before the notice',
      'kiln: a notice',
      'build/compile | before the summary',
      'p p-abcde: Succeeded in 0.4s',
    ]);
  });

  it('writes at once past a bound of held output, and redraws the live block once per write', async () => {
    const out = new Sink(true);
    const view = new RunConsole(out, true, () => T0 + 500);
    view.change(rec([taskRec({ status: 'Running', startedAt: at(0) })]));
    const drawn = out.writes;
    const long = 'x'.repeat(1000);
    for (let i = 0; i < 300; i++) view.output({ ...step, line: long });
    // 300 lines of ≈ 1 KB pass the 256 KiB bound once: one write of the lines, one erase and one redraw.
    expect(out.writes - drawn).toBe(3);
    await turn();
    expect(out.writes - drawn).toBe(6);
    expect(out.text.match(/x{1000}/g)).toHaveLength(300);
  });

  it('redraws the live block below the output on a terminal', () => {
    const out = new Sink(true);
    const view = new RunConsole(out, true, () => T0 + 500);
    view.change(rec([taskRec({ status: 'Running', startedAt: at(0) })]));
    view.output({
      pipelineRun: 'p',
      taskRun: 'r-build',
      task: 'build',
      step: 'compile',
      stream: 'stdout',
      line: 'hello',
    });
    view.finish({
      ...rec([taskRec({ status: 'Succeeded', startedAt: at(0), finishedAt: at(400) })]),
      status: 'Succeeded',
      finishedAt: at(400),
    });
    const block = 'p-abcde  Running  0.5s\n  ▶ build  Running      0.5s\n';
    const erase = '\x1b[2A\r\x1b[J';
    expect(out.text).toBe(
      `${block}${erase}build/compile | hello\n${block}${erase}p p-abcde: Succeeded in 0.4s\n  ✔ build  Succeeded    0.4s\n`,
    );
  });
});

describe('colour', () => {
  const strip = (s: string) => s.replace(/\x1b\[\d+m/g, '');
  it('is on for a terminal, off under NO_COLOR, FORCE_COLOR wins either way', () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(paintFor({ isTTY: false }, {})).toBe(plain);
  });

  it('paints status marks and durations, keeping the columns of the plain line', () => {
    const done = taskRec({ status: 'Succeeded', startedAt: at(0), finishedAt: at(1000) });
    const line = taskLine(done, T0, 8, coloured);
    expect(line).toContain('\x1b[32m✔\x1b[0m');
    expect(line).toContain('\x1b[2m  1.0s\x1b[0m');
    expect(strip(line)).toBe(taskLine(done, T0, 8));
    const failed = taskLine(taskRec({ status: 'Failed', steps: [] }), T0, 0, coloured);
    expect(failed.startsWith('\x1b[31m✘\x1b[0m')).toBe(true);
  });

  it('marks stderr lines, not stdout ones', async () => {
    const out = new Sink(false);
    const view = new RunConsole(out, false, () => T0, { paint: coloured });
    const line = { pipelineRun: 'p', taskRun: 'r-build', task: 'build', step: 's' };
    view.output({ ...line, stream: 'stdout', line: 'fine' });
    view.output({ ...line, stream: 'stderr', line: 'oops' });
    await turn();
    expect(out.text).toBe('build/s | fine\n\x1b[31mbuild/s |\x1b[0m oops\n');
  });
});

describe('Ctrl-C on a terminal', () => {
  it('writes the notice above the live block and leaves no stale line; the summary says Cancelled once', () => {
    const out = new Sink(true);
    const view = new RunConsole(out, true, () => T0 + 500);
    view.change(rec([taskRec({ status: 'Running', startedAt: at(0) })]));
    view.notice('kiln: cancelling the run');
    const cancelled: RunRecord = {
      ...rec([taskRec({ status: 'Cancelled', startedAt: at(0), finishedAt: at(500), reason: 'Cancelled' })]),
      status: 'Cancelled',
      reason: 'Cancelled',
      finishedAt: at(500),
    };
    view.finish(cancelled);
    const block = 'p-abcde  Running  0.5s\n  ▶ build  Running      0.5s\n';
    const erase = '\x1b[2A\r\x1b[J';
    expect(out.text).toBe(
      `${block}${erase}kiln: cancelling the run\n${block}${erase}p p-abcde: Cancelled in 0.5s\n  ■ build  Cancelled    0.5s  Cancelled\n`,
    );
    expect(summary(cancelled).match(/Cancelled/g)).toHaveLength(3); // the run once, the task's status and reason
  });
});

describe('run flags', () => {
  const spec = pipeline([], [], { workspaces: [{ name: 'source' }] });
  it('binds a declared workspace to an existing directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-flag-'));
    expect(parseWorkspaceFlags([`source=${dir}`], spec, '/')).toEqual({ source: { kind: 'dir', path: dir } });
  });
  it.each([
    ['sourc=/tmp', /no workspace "sourc"/],
    ['source=/no/such/dir', /is not a directory/],
    ['=x', /is not NAME=DIR/],
  ])('refuses --workspace %s', (arg, message) => {
    expect(() => parseWorkspaceFlags([arg], spec, '/')).toThrow(message);
  });
  it('checks --concurrency', () => {
    expect(parseConcurrency('4')).toBe(4);
    expect(parseConcurrency(undefined)).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', 'x', '5000'])
      expect(() => parseConcurrency(bad)).toThrow(/whole number from 1 to 1024/);
  });
});

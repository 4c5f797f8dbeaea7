// Approval gates in the driver, in fake time: no runtime sees them, the decision source settles
// them, a timeout applies onTimeout, a cancelled run stops the wait, and the record keeps it all.
import { describe, expect, it } from 'vitest';
import { FakeClock, FakeRuntime } from '../../runtimes/fake/index.js';
import type { ApprovalSpec } from '../../contract/index.js';
import { runPipeline, type ApprovalSource, type ApprovalVerdict } from '../../engine/index.js';
import { pipeline, task } from '../../testkit/pipelines.js';

const HOUR = 3600_000;

function gated(approval: Partial<ApprovalSpec>, source?: ApprovalSource, signal?: AbortSignal) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const started: string[] = [];
  const start = runtime.start.bind(runtime);
  runtime.start = (plan) => (started.push(plan.task), start(plan));
  const gate = task('gate', {
    steps: [],
    needs: ['build'],
    approval: { message: 'ship $(params.v)?', approvers: ['release'], onTimeout: 'fail', ...approval },
  });
  const spec = pipeline([task('build'), gate, task('ship', { needs: ['gate'] })], [], {
    params: [{ name: 'v', type: 'string' }],
  });
  const done = clock.run(
    runPipeline({
      input: { runName: 'r', pipeline: spec, params: { v: '1.2' }, workspaces: {} },
      runtime,
      clock,
      approvals: source,
      signal,
    }),
  );
  return { done, started, clock };
}

/** A source whose decision the test gives, recording what was asked. */
function manualSource() {
  const asked: { run: string; task: string; signal: AbortSignal }[] = [];
  let decide!: (v: ApprovalVerdict) => void;
  const decided = new Promise<ApprovalVerdict>((r) => (decide = r));
  const source: ApprovalSource = {
    wait: (run, task, signal) => {
      asked.push({ run, task, signal });
      return decided;
    },
  };
  return { source, asked, decide };
}

describe('approval gates in the driver', () => {
  it('waits without the runtime, then goes on as approved, the record keeping who and why', async () => {
    const m = manualSource();
    // Decided as soon as asked: fake time would otherwise run on to the timeout.
    m.decide({ decision: 'approved', by: 'alice', at: '2026-01-01T00:05:00.000Z', comment: 'go' });
    const { done, started } = gated({ timeoutMs: 2 * HOUR }, m.source);
    const record = await done;
    expect(started).toEqual(['build', 'ship']);
    expect(m.asked.map((a) => [a.run, a.task])).toEqual([['r', 'gate']]);
    const gate = record.tasks.find((t) => t.name === 'gate')!;
    expect(gate).toMatchObject({ status: 'Succeeded', reason: 'Approved', steps: [] });
    expect(gate.approval).toEqual({
      message: 'ship 1.2?',
      approvers: ['release'],
      onTimeout: 'fail',
      deadline: new Date(Date.parse(gate.startedAt!) + 2 * HOUR).toISOString(),
      decision: 'approved',
      by: 'alice',
      at: '2026-01-01T00:05:00.000Z',
      comment: 'go',
    });
    expect(record.status).toBe('Succeeded');
  });

  it('fails the run on a rejection', async () => {
    const m = manualSource();
    const { done, started } = gated({}, m.source);
    await new Promise((r) => setImmediate(r));
    m.decide({ decision: 'rejected', by: 'bob', at: '2026-01-01T00:01:00.000Z', comment: 'no' });
    const record = await done;
    expect(started).toEqual(['build']);
    expect(record.status).toBe('Failed');
    expect(record.tasks.map((t) => [t.name, t.status, t.reason])).toEqual([
      ['build', 'Succeeded', undefined],
      ['gate', 'Failed', 'Rejected'],
      ['ship', 'Skipped', 'PipelineFailing'],
    ]);
  });

  it('at its timeout: onTimeout fail times the gate out, and the wait is abandoned', async () => {
    const m = manualSource();
    const record = await gated({ timeoutMs: 2 * HOUR, onTimeout: 'fail' }, m.source).done;
    expect(record.status).toBe('Failed');
    expect(record.tasks[1]).toMatchObject({
      status: 'TimedOut',
      reason: 'ApprovalTimedOut',
      approval: { decision: 'timedOut', by: 'timeout' },
    });
    expect(Date.parse(record.tasks[1]!.finishedAt!) - Date.parse(record.tasks[1]!.startedAt!)).toBe(2 * HOUR);
    expect(m.asked[0]!.signal.aborted).toBe(true);
  });

  it('at its timeout: onTimeout approve goes on, recorded as approved by the timeout', async () => {
    const record = await gated({ timeoutMs: HOUR, onTimeout: 'approve' }, manualSource().source).done;
    expect(record.status).toBe('Succeeded');
    expect(record.tasks[1]).toMatchObject({
      status: 'Succeeded',
      reason: 'ApprovalTimedOut',
      approval: { decision: 'approved', by: 'timeout' },
    });
  });

  it('a cancelled run stops the wait', async () => {
    const m = manualSource();
    const abort = new AbortController();
    const { done } = gated({}, m.source, abort.signal);
    await new Promise((r) => setImmediate(r));
    abort.abort();
    const record = await done;
    expect(record.status).toBe('Cancelled');
    expect(record.tasks[1]).toMatchObject({ status: 'Cancelled' });
    expect(m.asked[0]!.signal.aborted).toBe(true);
  });

  it('without a decision source the gate fails, saying why', async () => {
    const record = await gated({}).done;
    expect(record.tasks[1]).toMatchObject({ status: 'Failed', reason: 'ApprovalUnavailable' });
  });
});

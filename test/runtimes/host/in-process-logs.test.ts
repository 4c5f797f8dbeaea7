// InProcessLogs: the lines kiln run hears from its steps, stored in batches in step order with
// contiguous seqs, each stream closed once; and, when the sink fails or the shipping is stopped,
// every line not stored counted against its step with the spool that keeps it. The sink here is a
// recorder; kiln run's own (the embedded collector's ingest) is exercised by test/e2e/run-logs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InProcessLogs, type LogSink, type SinkStep } from '../../../runtimes/host/in-process-logs.js';

type Batch = Parameters<LogSink['write']>[0];

function recorder(write: (b: Batch) => Promise<void> = async () => undefined) {
  const batches: Batch[] = [];
  const sink: LogSink = {
    write: (b) => {
      batches.push(structuredClone(b));
      return write(b);
    },
  };
  return { sink, batches };
}

const shape = (steps: SinkStep[]) =>
  steps.map((s) => ({ step: s.step, firstSeq: s.firstSeq, texts: s.lines.map((l) => l.text), eof: s.eof }));

function logsFor(sink: LogSink, steps = ['a', 'b', 'sidecar-db']) {
  const warnings: string[] = [];
  const logs = new InProcessLogs(
    sink,
    'run-1',
    'run-1-t',
    steps,
    (i) => `/spool/${i}`,
    (w) => warnings.push(w),
    () => 7,
  );
  return { logs, warnings };
}

describe('InProcessLogs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stores lines in batches, a step with the empty streams before it, seqs contiguous, each end once', async () => {
    const { sink, batches } = recorder();
    const { logs } = logsFor(sink);
    logs.line(1, 'stdout', 'b1');
    logs.line(1, 'stderr', 'b2');
    expect(batches).toHaveLength(0); // waits for more
    await vi.advanceTimersByTimeAsync(25);
    logs.line(1, 'stdout', 'b3');
    logs.stepEnded(1);
    await vi.advanceTimersByTimeAsync(25);
    logs.line(2, 'stdout', 's1');
    const result = await logs.finished();
    expect(batches.map((b) => shape(b.steps))).toEqual([
      [
        { step: 'a', firstSeq: 0, texts: [], eof: false },
        { step: 'b', firstSeq: 0, texts: ['b1', 'b2'], eof: false },
      ],
      [{ step: 'b', firstSeq: 2, texts: ['b3'], eof: true }],
      [
        { step: 'a', firstSeq: 0, texts: [], eof: true },
        { step: 'sidecar-db', firstSeq: 0, texts: ['s1'], eof: true },
      ],
    ]);
    expect(batches[0]!.steps[1]!.lines[1]).toEqual({ stream: 'stderr', timeMs: 7, text: 'b2' });
    expect(batches.every((b) => b.pipelineRun === 'run-1' && b.taskRun === 'run-1-t')).toBe(true);
    expect(result).toEqual([{ logsComplete: true }, { logsComplete: true }, { logsComplete: true }]);
  });

  it('writes a flood at once, batch after batch, without waiting for the timer', async () => {
    const { sink, batches } = recorder();
    const { logs } = logsFor(sink, ['a']);
    const line = 'x'.repeat(1023);
    for (let i = 0; i < 3000; i++) logs.line(0, 'stdout', line);
    await vi.advanceTimersByTimeAsync(0); // no time passes: only what was handed on is written
    expect(batches.length).toBe(2); // every MiB of text
    await logs.finished();
    const seqs = batches.map((b) => b.steps[0]!.firstSeq);
    expect(seqs).toEqual([0, 1024, 2048]);
    expect(batches.reduce((n, b) => n + b.steps[0]!.lines.length, 0)).toBe(3000);
  });

  it('counts what a failing sink did not store, and all that came after, against each step and its spool', async () => {
    let calls = 0;
    const { sink } = recorder(async () => {
      if (++calls === 2) throw new Error('SQLITE_FULL: database or disk is full');
    });
    const { logs, warnings } = logsFor(sink);
    logs.line(0, 'stdout', 'stored');
    await vi.advanceTimersByTimeAsync(25);
    logs.line(0, 'stdout', 'lost 1');
    logs.line(1, 'stdout', 'lost 2');
    await vi.advanceTimersByTimeAsync(25);
    logs.line(1, 'stdout', 'lost 3');
    const result = await logs.finished();
    expect(calls).toBe(2);
    expect(result).toEqual([
      { logsComplete: false, logsUndelivered: { lines: 1, spool: '/spool/0' } },
      { logsComplete: false, logsUndelivered: { lines: 2, spool: '/spool/1' } },
      { logsComplete: true },
    ]);
    expect(warnings).toEqual(['logs not stored: SQLITE_FULL: database or disk is full']);
  });

  it('stopped while the sink holds a batch: finished answers at once, that batch and the rest counted', async () => {
    const { sink } = recorder(() => new Promise(() => undefined)); // a collector that never answers
    const { logs } = logsFor(sink, ['a']);
    logs.line(0, 'stdout', 'in flight');
    await vi.advanceTimersByTimeAsync(25);
    logs.line(0, 'stdout', 'waiting');
    const done = logs.finished();
    logs.kill();
    logs.line(0, 'stdout', 'after the stop');
    await expect(done).resolves.toEqual([{ logsComplete: false, logsUndelivered: { lines: 3, spool: '/spool/0' } }]);
  });

  it('gives up after the limit on a sink that never answers, and says so', async () => {
    const { sink } = recorder(() => new Promise(() => undefined));
    const { logs, warnings } = logsFor(sink, ['a']);
    logs.line(0, 'stdout', 'one');
    const done = logs.finished(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toEqual([{ logsComplete: false, logsUndelivered: { lines: 1, spool: '/spool/0' } }]);
    expect(warnings).toEqual(['the logs are not stored 1000 ms after the last step ended; giving up on them']);
  });

  it('ignores a line of a step it does not know', async () => {
    const { sink, batches } = recorder();
    const { logs } = logsFor(sink, ['a']);
    logs.line(3, 'stdout', 'nobody');
    expect(await logs.finished()).toEqual([{ logsComplete: true }]);
    expect(batches.map((b) => shape(b.steps))).toEqual([[{ step: 'a', firstSeq: 0, texts: [], eof: true }]]);
  });
});

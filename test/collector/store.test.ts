// One store suite, run against SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineColumns, type IngestInput, type Store } from '../../collector/store/types.js';
import { runRecord, storeFixtures, type StoreFixture } from '../../testkit/store-fixtures.js';

function batch(run: string, step: string, from: number, n: number, eof = false): IngestInput {
  return {
    pipelineRun: run,
    taskRun: `${run}-build`,
    steps: [
      {
        step,
        stepIndex: step === 'test' ? 1 : 0,
        eof,
        lines: lineColumns(
          from,
          Array.from(
            { length: n },
            (_, i) =>
              ({
                stream: (from + i) % 5 ? 'stdout' : 'stderr',
                timeMs: 1000 + from + i,
                text: `${step} line ${from + i}`,
              }) as const,
          ),
        ),
      },
    ],
  };
}

for (const make of storeFixtures) {
  describe(`store: ${make.name.replace('Fixture', '')}`, () => {
    let fx: StoreFixture;
    let store: Store;
    beforeAll(async () => {
      fx = make();
      store = await fx.open();
    });
    afterAll(async () => {
      await store?.close();
      await fx?.cleanup();
    });

    it('ingests idempotently and acks the next seq', async () => {
      expect(await store.ingest(batch('r1', 'compile', 0, 10))).toEqual([{ step: 'compile', nextSeq: 10 }]);
      // A resent overlapping batch stores nothing twice and the ack only moves forward.
      expect(await store.ingest(batch('r1', 'compile', 5, 10))).toEqual([{ step: 'compile', nextSeq: 15 }]);
      expect(await store.ingest(batch('r1', 'compile', 0, 3))).toEqual([{ step: 'compile', nextSeq: 15 }]);
      const page = await store.readLogs({ runId: 'r1', limit: 100 });
      expect(page.lines.map((l) => l.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(page.lines[5]).toEqual({
        task: 'r1-build',
        step: 'compile',
        stream: 'stderr',
        seq: 5,
        time: 1005,
        text: 'compile line 5',
      });
    });

    it('pages forward with a position, filters by step, and tails', async () => {
      await store.ingest(batch('r1', 'test', 0, 7, true));
      const first = await store.readLogs({ runId: 'r1', limit: 10 });
      const rest = await store.readLogs({ runId: 'r1', limit: 100, after: first.last! });
      expect([...first.lines, ...rest.lines].map((l) => `${l.step}:${l.seq}`)).toEqual([
        ...Array.from({ length: 15 }, (_, i) => `compile:${i}`),
        ...Array.from({ length: 7 }, (_, i) => `test:${i}`),
      ]);
      const onlyTest = await store.readLogs({ runId: 'r1', step: 'test', limit: 100 });
      expect(onlyTest.lines.map((l) => l.text)).toEqual(Array.from({ length: 7 }, (_, i) => `test line ${i}`));
      const tail = await store.readLogs({ runId: 'r1', tail: 9, limit: 1000 });
      expect(tail.lines.map((l) => `${l.step}:${l.seq}`)).toEqual([
        'compile:13',
        'compile:14',
        ...Array.from({ length: 7 }, (_, i) => `test:${i}`),
      ]);
      const empty = await store.readLogs({ runId: 'r1', limit: 5, after: rest.last! });
      expect(empty).toEqual({ lines: [], last: rest.last });
      expect(await store.logStreams('r1')).toEqual([
        { task: 'r1-build', step: 'compile', stepIndex: 0, nextSeq: 15, eof: false },
        { task: 'r1-build', step: 'test', stepIndex: 1, nextSeq: 7, eof: true },
      ]);
    });

    it('keeps text with NUL, quotes and non-ASCII intact or replaced the same way', async () => {
      await store.ingest({
        pipelineRun: 'r2',
        taskRun: 't',
        steps: [
          {
            step: 's',
            stepIndex: 0,
            eof: true,
            lines: lineColumns(0, [
              { stream: 'stdout', timeMs: 1, text: "it's 100% \u00e9\u4e2d -- ; DROP TABLE runs" },
            ]),
          },
        ],
      });
      expect((await store.readLogs({ runId: 'r2', limit: 5 })).lines[0].text).toBe(
        "it's 100% \u00e9\u4e2d -- ; DROP TABLE runs",
      );
    });

    it('searches literally, scoped to a run', async () => {
      const hits = await store.search({ text: '100%', limit: 10 });
      expect(hits.map((h) => h.run)).toEqual(['r2']);
      expect(await store.search({ text: '_', limit: 10 })).toEqual([]);
      const scoped = await store.search({ text: 'LINE 1', runId: 'r1', limit: 100 });
      expect(scoped.map((h) => h.text)).toEqual([
        'compile line 1',
        'compile line 10',
        'compile line 11',
        'compile line 12',
        'compile line 13',
        'compile line 14',
        'test line 1',
      ]);
    });

    it('stores run records and lists them newest first with a cursor', async () => {
      for (let i = 0; i < 25; i++) {
        await store.putRun(
          runRecord(`run-${String(i).padStart(2, '0')}`, {
            name: i % 2 ? 'odd' : 'even',
            status: i % 3 ? 'Succeeded' : 'Failed',
            startedAt: new Date(1_700_000_000_000 + Math.floor(i / 2) * 1000).toISOString(),
          }),
        );
      }
      const seen: string[] = [];
      let before: { startedMs: number; id: string } | undefined;
      for (;;) {
        const page = await store.listRuns({ limit: 7, before });
        seen.push(...page.map((r) => r.id));
        if (page.length < 7) break;
        before = { startedMs: page[6].startedMs, id: page[6].id };
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `run-${String(24 - i).padStart(2, '0')}`));
      const odd = await store.listRuns({ pipeline: 'odd', status: 'Failed', limit: 100 });
      expect(odd.map((r) => r.id)).toEqual(['run-21', 'run-15', 'run-09', 'run-03']);
      const updated = runRecord('run-03', {
        name: 'odd',
        status: 'Succeeded',
        finishedAt: '2026-01-01T00:00:00.000Z',
        tasks: [{ name: 'b', taskRun: 'run-03-b', status: 'Succeeded', attempts: 2, results: { d: 'x' }, steps: [] }],
      });
      await store.putRun(updated);
      expect(await store.getRun('run-03')).toEqual(updated);
      expect(await store.getRun('nope')).toBeNull();
    });

    it('stores task results as bytes, the last write winning', async () => {
      const bytes = Buffer.from([0, 255, 0xe4, 0xb8, 0xad, 10]);
      await store.putResult({ runId: 'run-00', taskRun: 'run-00-b', name: 'out', value: Buffer.from('first') });
      await store.putResult({ runId: 'run-00', taskRun: 'run-00-b', name: 'out', value: bytes });
      expect(await store.getResult('run-00', 'run-00-b', 'out')).toEqual(bytes);
      expect(await store.getResult('run-00', 'run-00-b', 'other')).toBeNull();
    });

    it("applies retention with the runs' logs and results", async () => {
      await store.ingest(batch('run-00', 'compile', 0, 3, true));
      const keep = await store.applyRetention({ keepLast: 10 });
      // even has 13 runs and odd 12: the 3 and 2 oldest go.
      expect(keep.sort()).toEqual(['run-00', 'run-01', 'run-02', 'run-03', 'run-04']);
      expect(await store.getRun('run-00')).toBeNull();
      expect((await store.readLogs({ runId: 'run-00', limit: 10 })).lines).toEqual([]);
      expect(await store.getResult('run-00', 'run-00-b', 'out')).toBeNull();
      const old = await store.applyRetention({ olderThanMs: 1_700_000_000_000 + 3000 });
      expect(old).toEqual(['run-05']);
      expect((await store.listRuns({ limit: 100 })).length).toBe(19);
      expect(await store.applyRetention({})).toEqual([]);
    });

    it("keeps a task run's message and the run's warnings (the record's JSON: no column, no migration)", async () => {
      const task = { name: 'b', taskRun: 'r-msg-b', attempts: 1, results: {}, steps: [] };
      const record = runRecord('r-msg', {
        status: 'Failed',
        warnings: ['run.yaml:9:20: warning: $(params.s[*]): param "s" is a string, not an array'],
        tasks: [{ ...task, status: 'Failed', reason: 'SidecarFailed', message: 'sidecar "db" exited with code 3' }],
      });
      await store.putRun(record);
      expect(await store.getRun('r-msg')).toEqual(record);
      // A PATCH carries the whole task list: a message can go away with a retry that succeeded.
      await store.putRun({ ...record, status: 'Succeeded', tasks: [{ ...task, status: 'Succeeded' }] });
      expect((await store.getRun('r-msg'))!.tasks[0]).not.toHaveProperty('message');
    });

    it('keeps a NUL in a record (a result, a param, a reason) as it was given', async () => {
      const record = runRecord('r-nul', {
        status: 'Failed',
        reason: 'exit\u00001',
        params: { input: 'a\u0000b' },
        results: { out: '\u0000bytes\u0000' },
      });
      await store.putRun(record);
      await store.putRun({ ...record, status: 'Succeeded' });
      expect(await store.getRun('r-nul')).toEqual({ ...record, status: 'Succeeded' });
    });
  });
}

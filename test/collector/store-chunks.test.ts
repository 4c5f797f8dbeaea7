// Lines stored in chunks, on both stores: pages and tails across chunk boundaries, a batch past a
// gap not stored, search over many chunks, and an older database's line rows migrated.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_MAX_LINES } from '../../collector/store/shared.js';
import { openStore } from '../../collector/store/open.js';
import { StoreNeedsMigration } from '../../collector/store/migrate-lines.js';
import { lineColumns, type IngestInput, type Store } from '../../collector/store/types.js';
import { PG_URL, storeFixtures, type StoreFixture } from '../../testkit/store-fixtures.js';

function batch(from: number, n: number, eof = false, text = (seq: number) => `line ${seq}`): IngestInput {
  return {
    pipelineRun: 'r',
    taskRun: 'r-t',
    steps: [
      {
        step: 's',
        stepIndex: 0,
        eof,
        lines: lineColumns(
          from,
          Array.from({ length: n }, (_, i) => ({
            stream: (from + i) % 3 ? ('stdout' as const) : ('stderr' as const),
            timeMs: 1_700_000_000_000 + (from + i) * 7 - ((from + i) % 2) * 1000,
            text: text(from + i),
          })),
        ),
      },
    ],
  };
}

const seqs = (lines: { seq: number }[]) => lines.map((l) => l.seq);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** The tables a database had before chunks: a row per line. */
const OLD_LAYOUT = `
CREATE TABLE log_streams (
  id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, task_run TEXT NOT NULL, step TEXT NOT NULL,
  step_index INTEGER NOT NULL, next_seq INTEGER NOT NULL DEFAULT 0, eof INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, task_run, step));
CREATE TABLE log_lines (
  stream_id INTEGER NOT NULL, seq INTEGER NOT NULL, stream INTEGER NOT NULL, time_ms INTEGER NOT NULL,
  text TEXT NOT NULL, PRIMARY KEY (stream_id, seq));
INSERT INTO log_streams (id, run_id, task_run, step, step_index, next_seq, eof) VALUES (1, 'old', 'old-t', 's', 0, 2503, 1);
`;
// 0 … 2499 and, past a gap, 2501 … 2502: as an older collector may have stored them.
const oldLines = [...range(0, 2500), 2501, 2502];

async function seedOldLayout(fx: StoreFixture): Promise<void> {
  const values = oldLines.map((seq) => `(1, ${seq}, ${seq % 2}, ${1000 + seq}, 'old line ${seq}')`).join(',');
  const sql = `${OLD_LAYOUT} INSERT INTO log_lines (stream_id, seq, stream, time_ms, text) VALUES ${values};`;
  if (fx.kind === 'sqlite') {
    const db = new Database(fx.url.replace(/^sqlite:/, ''));
    db.exec(sql);
    db.close();
    return;
  }
  const schema = new URL(fx.url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${sql}`);
  } finally {
    await client.end();
  }
}

for (const make of storeFixtures) {
  describe(`chunked store: ${make.name.replace('Fixture', '')}`, () => {
    let fx: StoreFixture;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
      await fx.cleanup();
    });

    it('pages, resumes and tails across chunk boundaries', async () => {
      fx = make();
      store = await fx.open();
      const total = CHUNK_MAX_LINES * 2 + 500;
      expect(await store.ingest(batch(0, total - 3))).toEqual([{ step: 's', nextSeq: total - 3 }]);
      for (let seq = total - 3; seq < total; seq++) await store.ingest(batch(seq, 1, seq === total - 1));
      const read: number[] = [];
      let after;
      for (;;) {
        const page = await store.readLogs({ runId: 'r', after, limit: 333 });
        if (!page.lines.length) break;
        read.push(...seqs(page.lines));
        after = page.last!;
      }
      expect(read).toEqual(range(0, total));
      const whole = await store.readLogs({ runId: 'r', limit: 10_000 });
      expect(whole.lines[1]).toEqual({
        task: 'r-t',
        step: 's',
        stream: 'stdout',
        seq: 1,
        time: 1_699_999_999_007,
        text: 'line 1',
      });
      expect(whole.lines[CHUNK_MAX_LINES]).toMatchObject({
        seq: CHUNK_MAX_LINES,
        stream: 'stdout',
        text: `line ${CHUNK_MAX_LINES}`,
      });
      const tail = await store.readLogs({ runId: 'r', tail: CHUNK_MAX_LINES + 10, limit: 10_000 });
      expect(seqs(tail.lines)).toEqual(range(total - CHUNK_MAX_LINES - 10, total));
    });

    it('stores nothing past a gap and acks where the stored lines end', async () => {
      fx = make();
      store = await fx.open();
      await store.ingest(batch(0, 10));
      // 20 … 29 before 10 … 19 (a batch lost on the way): not stored, eof not taken either.
      expect(await store.ingest(batch(20, 10, true))).toEqual([{ step: 's', nextSeq: 10 }]);
      expect(await store.logStreams('r')).toMatchObject([{ nextSeq: 10, eof: false }]);
      expect(await store.ingest(batch(10, 10))).toEqual([{ step: 's', nextSeq: 20 }]);
      expect(await store.ingest(batch(15, 15, true))).toEqual([{ step: 's', nextSeq: 30 }]);
      expect(seqs((await store.readLogs({ runId: 'r', limit: 100 })).lines)).toEqual(range(0, 30));
      expect(await store.logStreams('r')).toMatchObject([{ nextSeq: 30, eof: true }]);
    });

    it('searches past many chunks, in order, up to the limit', async () => {
      fx = make();
      store = await fx.open();
      // 150 one-line chunks, every third a hit, and a chunk with a hit deep inside it.
      for (let seq = 0; seq < 150; seq++)
        await store.ingest(batch(seq, 1, false, (s) => (s % 3 ? `miss ${s}` : `Needle ${s}`)));
      await store.ingest(batch(150, 500, false, (s) => (s === 640 ? 'a needle deep' : `miss ${s}`)));
      const hits = await store.search({ text: 'NEEDLE', limit: 1000 });
      expect(seqs(hits)).toEqual([...range(0, 50).map((i) => i * 3), 640]);
      expect(seqs(await store.search({ text: 'needle', limit: 7 }))).toEqual(range(0, 7).map((i) => i * 3));
      expect(await store.search({ text: 'needle 3\nmiss', limit: 5 })).toEqual([]);
    });

    it("moves an older database's line rows into chunks when opened for writing", async () => {
      fx = make();
      await seedOldLayout(fx);
      if (fx.kind === 'sqlite')
        await expect(openStore(fx.url, { readonly: true })).rejects.toThrow(StoreNeedsMigration);
      store = await fx.open();
      const page = await store.readLogs({ runId: 'old', limit: 10_000 });
      expect(seqs(page.lines)).toEqual(oldLines);
      expect(page.lines[2500]).toEqual({
        task: 'old-t',
        step: 's',
        stream: 'stderr',
        seq: 2501,
        time: 3501,
        text: 'old line 2501',
      });
      expect(seqs(await store.search({ text: 'old line 250', limit: 100 }))).toEqual([250, 2501, 2502]);
      await store.close();
      // Opened again: nothing left to move, the lines as they were.
      store = await fx.open();
      expect((await store.readLogs({ runId: 'old', limit: 10_000 })).lines.length).toBe(oldLines.length);
      if (fx.kind === 'sqlite') {
        await store.close();
        store = await openStore(fx.url, { readonly: true });
        expect((await store.readLogs({ runId: 'old', tail: 2, limit: 10 })).lines.map((l) => l.text)).toEqual([
          'old line 2501',
          'old line 2502',
        ]);
      }
    });
  });
}

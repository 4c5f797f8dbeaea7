// PostgreSQL log ingest against `psql \copy` of the same lines, in the same run: the store's
// ingest (batches of KILN_BENCH_PG_BATCH lines, default 10 000, each a transaction, as the
// collector does for a POST) and, as the baseline, `psql -c '\copy …'` loading the same lines as
// rows (stream id, seq, stream, time, text) from a file into a plain table keyed like the old
// row-per-line layout.
// KILN_BENCH_PG_LINES (default 1 000 000) sets the volume; KILN_TEST_PG_URL the database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineColumns, type IngestInput } from '../collector/store/types.js';
import { PG_URL, postgresFixture } from '../testkit/store-fixtures.js';

const LINES = Number(process.env.KILN_BENCH_PG_LINES ?? 1_000_000);
const BATCH = Number(process.env.KILN_BENCH_PG_BATCH ?? 10_000);
const text = (i: number) => `${String(i).padStart(8, '0')} building module ${i % 977} of the web app: ok`;
const time = (i: number) => 1_700_000_000_000 + i;

function batchAt(from: number): IngestInput {
  const n = Math.min(BATCH, LINES - from);
  const lines = lineColumns(
    from,
    Array.from({ length: n }, (_, k) => ({ stream: 'stdout' as const, timeMs: time(from + k), text: text(from + k) })),
  );
  return { pipelineRun: 'bench', taskRun: 'bench-t', steps: [{ step: 's', stepIndex: 0, eof: false, lines }] };
}

function psql(sql: string): number {
  const t0 = performance.now();
  const r = spawnSync('psql', [PG_URL, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-pg-'));
const table = `kiln_bench_copy_${process.pid}`;
const fx = postgresFixture();
const store = await fx.open();
try {
  const tsv = join(dir, 'lines.tsv');
  writeFileSync(tsv, Array.from({ length: LINES }, (_, i) => `1\t${i}\t0\t${time(i)}\t${text(i)}\n`).join(''));
  psql(
    `CREATE TABLE ${table} (stream_id BIGINT NOT NULL, seq BIGINT NOT NULL, stream SMALLINT NOT NULL, ` +
      `time_ms BIGINT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (stream_id, seq))`,
  );
  const copyMs = psql(`\\copy ${table} FROM '${tsv}'`);

  const t0 = performance.now();
  for (let from = 0; from < LINES; from += BATCH) await store.ingest(batchAt(from));
  const ingestMs = performance.now() - t0;
  const stored = await store.logStreams('bench');
  if (stored[0]?.nextSeq !== LINES) throw new Error(`stored up to ${stored[0]?.nextSeq}, not ${LINES}`);

  const rate = (ms: number) => `${Math.round(LINES / (ms / 1000)).toLocaleString('en')} lines/s`;
  console.log(`PostgreSQL ingest of ${LINES.toLocaleString('en')} lines:`);
  console.log(
    `  baseline: psql \\copy into a table of rows (with its primary key) ${copyMs.toFixed(0)} ms  ${rate(copyMs)}`,
  );
  console.log(
    `  store.ingest, batches of ${BATCH} (one transaction each)        ${ingestMs.toFixed(0)} ms  ${rate(ingestMs)}  = ${(ingestMs / copyMs).toFixed(2)}× the time of \\copy`,
  );
} finally {
  psql(`DROP TABLE IF EXISTS ${table}`);
  await store.close();
  await fx.cleanup();
  rmSync(dir, { recursive: true, force: true });
}

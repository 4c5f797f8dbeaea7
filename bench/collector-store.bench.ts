// The store: ingest lines/s into SQLite and PostgreSQL (baseline: the same lines appended to a
// local file), the last 1000 lines of a long log (baseline: its first 1000), and the first page
// of history over many runs (baseline: a page deep into it by cursor).
// KILN_BENCH_LINES (default 1 000 000), KILN_BENCH_RUNS and KILN_BENCH_PG_RUNS (default 100 000
// each) scale it; PostgreSQL stores runs one INSERT at a time (~2000/s here), so its seeding
// alone takes about a minute.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../contract/index.js';
import { lineColumns, type IngestInput, type Store } from '../collector/store/types.js';
import { postgresFixture, sqliteFixture, type StoreFixture } from '../testkit/store-fixtures.js';

const LINES = Number(process.env.KILN_BENCH_LINES ?? 1_000_000);
const SQLITE_RUNS = Number(process.env.KILN_BENCH_RUNS ?? 100_000);
const PG_RUNS = Number(process.env.KILN_BENCH_PG_RUNS ?? 100_000);
const BATCH = 10_000;
const text = (i: number) => `${String(i).padStart(8, '0')} building module ${i % 977} of the web app: ok`;

function batchAt(from: number): IngestInput {
  const n = Math.min(BATCH, LINES - from);
  return {
    pipelineRun: 'bench',
    taskRun: 'bench-build',
    steps: [
      {
        step: 'compile',
        stepIndex: 0,
        eof: false,
        lines: lineColumns(
          from,
          Array.from({ length: n }, (_, k) => ({
            stream: 'stdout' as const,
            timeMs: 1_700_000_000_000 + from + k,
            text: text(from + k),
          })),
        ),
      },
    ],
  };
}

async function median(times: number, fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

function record(i: number): RunRecord {
  return {
    id: `run-${String(i).padStart(7, '0')}`,
    name: `pipeline-${i % 20}`,
    status: i % 10 ? 'Succeeded' : 'Failed',
    startedAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
    params: { revision: 'main' },
    tasks: [],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-store-'));
const fileMs = await (async () => {
  const t0 = performance.now();
  for (let from = 0; from < LINES; from += BATCH) {
    appendFileSync(join(dir, 'baseline.log'), batchAt(from).steps[0].lines.text + '\n');
  }
  return performance.now() - t0;
})();
console.log(
  `baseline: ${LINES.toLocaleString('en')} lines appended to a local file: ${Math.round(LINES / (fileMs / 1000)).toLocaleString('en')} lines/s`,
);

async function benchStore(fx: StoreFixture, runs: number) {
  const store: Store = await fx.open();
  try {
    const t0 = performance.now();
    for (let from = 0; from < LINES; from += BATCH) await store.ingest(batchAt(from));
    const ingestMs = performance.now() - t0;
    console.log(
      `${fx.kind}: ingest ${LINES.toLocaleString('en')} lines in batches of ${BATCH}: ${Math.round(LINES / (ingestMs / 1000)).toLocaleString('en')} lines/s`,
    );
    const tail = await median(15, () => store.readLogs({ runId: 'bench', tail: 1000, limit: 1000 }));
    const head = await median(15, () => store.readLogs({ runId: 'bench', limit: 1000 }));
    console.log(
      `${fx.kind}: last 1000 lines of the ${LINES.toLocaleString('en')}-line log: median ${tail.toFixed(2)} ms (baseline, first 1000: ${head.toFixed(2)} ms)`,
    );

    const r0 = performance.now();
    for (let i = 0; i < runs; i += 500)
      await Promise.all(Array.from({ length: Math.min(500, runs - i) }, (_, k) => store.putRun(record(i + k))));
    const seedMs = performance.now() - r0;
    const first = await median(15, () => store.listRuns({ limit: 50 }));
    const filtered = await median(15, () => store.listRuns({ limit: 50, pipeline: 'pipeline-10', status: 'Failed' }));
    const mid = record(Math.floor(runs / 2));
    const deep = await median(15, () =>
      store.listRuns({ limit: 50, before: { startedMs: Date.parse(mid.startedAt), id: mid.id } }),
    );
    console.log(
      `${fx.kind}: history of ${runs.toLocaleString('en')} runs (stored at ${Math.round(runs / (seedMs / 1000)).toLocaleString('en')} runs/s): ` +
        `first page of 50 median ${first.toFixed(2)} ms, filtered by pipeline+status ${filtered.toFixed(2)} ms ` +
        `(baseline, a page halfway down by cursor: ${deep.toFixed(2)} ms)`,
    );
  } finally {
    await store.close();
    await fx.cleanup();
  }
}

try {
  await benchStore(sqliteFixture(), SQLITE_RUNS);
  await benchStore(postgresFixture(), PG_RUNS);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

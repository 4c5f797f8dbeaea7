// Databases written before lines were stored in chunks have a log_lines table (a row per line).
// Opening one for writing moves its lines into chunks and drops that table, in one transaction;
// opening one read-only cannot, and says how to migrate it.
import { KilnError } from '../../contract/index.js';
import { linesToStore, type LineSqlRow } from './shared.js';
import type { EncodedChunk } from './chunk-codec.js';
import { lineColumns } from './types.js';

export class StoreNeedsMigration extends KilnError {
  readonly code = 'store-needs-migration';
  readonly exitCode = 2;
  constructor(readonly path: string) {
    super(
      `${path} keeps its logs in the old line-per-row layout, which this read-only open cannot convert; ` +
        `open it once with a command that writes it (e.g. \`kiln collector --db sqlite:${path}\`, then Ctrl-C), ` +
        `which moves the lines into chunks`,
    );
  }
}

export interface ChunkInsert extends EncodedChunk {
  streamId: number;
  firstSeq: number;
  endSeq: number;
}

const PAGE = 10_000;

/** Moves every stream's line rows into chunks; answers how many lines moved. */
export async function migrateLineRows(
  streamIds: number[],
  page: (streamId: number, afterSeq: number, limit: number) => Promise<LineSqlRow[]>,
  insert: (c: ChunkInsert) => Promise<void>,
): Promise<number> {
  let moved = 0;
  for (const streamId of streamIds) {
    for (let after = -1; ;) {
      const rows = await page(streamId, after, PAGE);
      // Lines stored before chunks may have gaps (a batch stored ahead of a lost one): each
      // contiguous run becomes its own chunks.
      for (let i = 0; i < rows.length;) {
        let j = i + 1;
        while (j < rows.length && Number(rows[j].seq) === Number(rows[j - 1].seq) + 1) j++;
        const lines = rows.slice(i, j).map((r) => ({
          stream: Number(r.stream) === 1 ? ('stderr' as const) : ('stdout' as const),
          timeMs: Number(r.time_ms),
          text: r.text,
        }));
        const firstSeq = Number(rows[i].seq);
        const { chunks } = linesToStore(
          { step: '', stepIndex: 0, eof: false, lines: lineColumns(firstSeq, lines) },
          firstSeq,
        );
        for (const c of chunks) await insert({ ...c, streamId });
        i = j;
      }
      moved += rows.length;
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1].seq);
    }
  }
  return moved;
}

// `kiln runs`: run history, newest first.
import type { Command } from 'commander';
import { UsageError } from '../../contract/index.js';
import { withReader, withReaderOptions } from '../reader-options.js';

export function registerRuns(program: Command): void {
  withReaderOptions(program.command('runs').description('list pipeline runs, newest first'))
    .option('--pipeline <name>', 'only this pipeline')
    .option('--status <status>', 'only runs with this status (Running, Succeeded, Failed, TimedOut, Cancelled)')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print the runs as JSON')
    .action(
      async (f: {
        pipeline?: string;
        status?: string;
        limit: string;
        json?: boolean;
        collector?: string;
        token?: string;
        db?: string;
      }) => {
        const limit = Number(f.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw new UsageError(`--limit ${f.limit}: an integer from 1 to 500`);
        const { runs } = await withReader(f, (r) => r.listRuns({ pipeline: f.pipeline, status: f.status, limit }));
        if (f.json) {
          process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
          return;
        }
        const rows = [
          ['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION'],
          ...runs.map((r) => [r.id, r.pipeline, r.status, r.startedAt, duration(r.startedAt, r.finishedAt)]),
        ];
        const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
        for (const row of rows)
          process.stdout.write(
            row
              .map((c, i) => c.padEnd(widths[i]))
              .join('  ')
              .trimEnd() + '\n',
          );
      },
    );
}

function duration(start: string, end: string | null): string {
  if (!end) return '-';
  const s = Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000);
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

// `kiln runs`: run history, newest first; `--watch` redraws it as it changes.
import type { Command } from 'commander';
import { UsageError } from '../../contract/index.js';
import type { RunSummaryAnswer } from '../../collector/index.js';
import { suggest } from '../../syntax/index.js';
import { outputFormat, type OutputFlags, render, table, withOutputOption } from '../output.js';
import { withReader, withReaderOptions } from '../reader-options.js';
import { formatElapsed } from '../run-progress.js';

const STATUSES = ['Queued', 'Running', 'Succeeded', 'Failed', 'TimedOut', 'Cancelled'];
const WATCH_EVERY_MS = 2000;

interface RunsFlags extends OutputFlags {
  pipeline?: string;
  status?: string;
  limit: string;
  watch?: boolean;
  collector?: string;
  token?: string;
  db?: string;
}

/** `--status failed` → Failed; a status that does not exist is an error, not an empty list. */
export function statusFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const found = STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`--status ${value}: not a run status`, `${suggest(value, STATUSES)}`);
  return found;
}

export function duration(start: string, end: string | null): string {
  return end ? formatElapsed(Date.parse(end) - Date.parse(start)) : '-';
}

function runsTable(runs: RunSummaryAnswer[], wide: boolean): string {
  const head = ['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION', ...(wide ? ['FINISHED'] : [])];
  return table([
    head,
    ...runs.map((r) => [
      r.id,
      r.pipeline,
      r.status,
      r.startedAt,
      duration(r.startedAt, r.finishedAt),
      ...(wide ? [r.finishedAt ?? '-'] : []),
    ]),
  ]);
}

export function registerRuns(program: Command): void {
  const cmd = withReaderOptions(program.command('runs').description('list pipeline runs, newest first'))
    .option('--pipeline <name>', 'only this pipeline')
    .option('--status <status>', `only runs with this status (${STATUSES.join(', ')}; any case)`)
    .option('--limit <n>', 'how many', '20')
    .option('-w, --watch', 'list again every 2 s, printing the list each time it changes, until Ctrl-C');
  withOutputOption(cmd, 'the runs').action(async (f: RunsFlags) => {
    const limit = Number(f.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new UsageError(`--limit ${f.limit}: an integer from 1 to 500`);
    const status = statusFlag(f.status);
    const format = outputFormat(f);
    await withReader(f, async (r) => {
      const list = async () => {
        const { runs } = await r.listRuns({ pipeline: f.pipeline, status, limit });
        return render(format, runs, { name: (x) => x.id, text: runsTable });
      };
      if (!f.watch) return void process.stdout.write(await list());
      let stopped = false;
      let wake = () => undefined as void;
      const stop = () => {
        stopped = true;
        wake();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let last = '';
      while (!stopped) {
        const text = await list();
        if (text !== last) {
          // On a terminal the list replaces the last one; piped, each change is appended.
          process.stdout.write((process.stdout.isTTY ? '\x1b[H\x1b[2J' : last ? '\n' : '') + text);
          last = text;
        }
        await new Promise<void>((res) => {
          const t = setTimeout(res, WATCH_EVERY_MS);
          wake = () => {
            clearTimeout(t);
            res();
          };
        });
      }
    });
  });
}

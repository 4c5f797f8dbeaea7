// `kiln logs RUN`: a run's log lines on stdout. A whole run's (or a task's) lines say their task
// and step (`build/compile | …`) unless --raw; --task takes the pipeline task's name or a task
// run's; --tail, --since and --timestamps as kubectl logs has them.
import type { Command } from 'commander';
import { durationFlag, UsageError } from '../../contract/index.js';
import type { LogLine, RunReader } from '../../collector/index.js';
import { formatLine, type LineFormat, type LogSelection, selected, selectLogs, TailBuffer } from '../log-selection.js';
import { stdoutLineWriter, withReader, withReaderOptions } from '../reader-options.js';

interface LogsFlags extends LineFormat {
  task?: string;
  step?: string;
  follow?: boolean;
  tail?: string;
  since?: string;
  collector?: string;
  token?: string;
  db?: string;
}

const lineKey = (l: LogLine) => `${l.task}\u0000${l.step}\u0000${l.seq}`;

export function registerLogs(program: Command): void {
  withReaderOptions(program.command('logs').description("print a run's log lines").argument('<run>', 'pipeline run id'))
    .option('--task <task>', "only this task (the pipeline's task name, or a task run's name)")
    .option('--step <step>', 'only this step')
    .option('-f, --follow', 'keep printing new lines until the steps end')
    .option('--tail <n>', 'only the last N lines (then follow, with -f)')
    .option('--since <duration>', 'only lines newer than this (e.g. 10m, 2h)')
    .option('--timestamps', 'begin each line with the time it was printed (ISO 8601)')
    .option('--raw', 'the text alone, without the task/step prefix')
    .action(async (run: string, f: LogsFlags) => {
      const tail = f.tail === undefined ? undefined : Number(f.tail);
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
        throw new UsageError(`--tail ${f.tail}: give a whole number of lines, 0 or more`);
      const since = f.since === undefined ? undefined : Date.now() - durationFlag('--since', f.since);
      await withReader(f, async (reader) => {
        const record = await reader.getRun(run);
        const sel = selectLogs(record, f.task, f.step);
        const wanted = (l: LogLine) => selected(sel, l) && (since === undefined || l.time >= since);
        const write = stdoutLineWriter();
        const print = (l: LogLine) => write(formatLine(sel, l, f));
        if (f.follow) {
          // Following a run that does not exist would wait forever.
          if (!record && (await reader.readLogs(run, { limit: 1 })).lines.length === 0)
            throw new UsageError(`run ${run} is unknown (no record, no logs)`, 'list runs with `kiln runs`');
          const skip = new Set<string>();
          if (tail !== undefined) {
            // The lines already stored that --tail leaves out: the follow stream starts at the first line.
            const kept = new Set((await readAll(reader, run, sel, wanted, tail)).map(lineKey));
            await readAll(
              reader,
              run,
              sel,
              wanted,
              undefined,
              (l) => void (kept.has(lineKey(l)) || skip.add(lineKey(l))),
            );
          }
          await follow(reader, run, sel, (l) => (wanted(l) && !skip.has(lineKey(l)) ? print(l) : undefined));
          return;
        }
        const lines = await readAll(reader, run, sel, wanted, tail);
        for (const l of lines) await print(l);
        if (!lines.length && !record && (await reader.readLogs(run, { limit: 1 })).lines.length === 0)
          throw new UsageError(`run ${run} is unknown (no record, no logs)`, 'list runs with `kiln runs`');
      });
    });
}

/** The narrowest selector the reader can apply itself; the rest is filtered here. */
function readerSelector(sel: LogSelection) {
  const one = sel.taskRuns?.size === 1 ? [...sel.taskRuns][0] : undefined;
  return { task: one, step: sel.step };
}

/** Every stored line wanted (the last `tail` of them), in the reader's order; `each` sees each one. */
async function readAll(
  reader: RunReader,
  run: string,
  sel: LogSelection,
  wanted: (l: LogLine) => boolean,
  tail?: number,
  each?: (l: LogLine) => void,
): Promise<LogLine[]> {
  const out = tail === undefined ? undefined : new TailBuffer<LogLine>(tail);
  const all: LogLine[] = [];
  let from: string | undefined;
  do {
    const page = await reader.readLogs(run, { ...readerSelector(sel), from, limit: 5000 });
    for (const l of page.lines) {
      if (!wanted(l)) continue;
      each?.(l);
      if (out) out.push(l);
      else all.push(l);
    }
    from = page.next ?? undefined;
  } while (from);
  return out ? out.drain() : all;
}

async function follow(
  reader: RunReader,
  run: string,
  sel: LogSelection,
  onLine: (l: LogLine) => Promise<void> | undefined,
): Promise<void> {
  // stdout is the log alone: news of a lost connection goes to stderr, once per outage.
  let told = false;
  const onReconnect = (why: unknown) => {
    if (!told) process.stderr.write(`kiln: lost the collector (${(why as Error)?.message ?? why}); reconnecting…\n`);
    told = true;
  };
  for await (const line of reader.followLogs(run, readerSelector(sel), { onReconnect })) {
    told = false;
    await onLine(line);
  }
}

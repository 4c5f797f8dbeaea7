// `kiln logs RUN`: a run's log lines on stdout. A whole run's (or a task's) lines say their task
// and step (`build/compile | …`) unless --raw; --task takes the pipeline task's name or a task
// run's, or a path into called pipelines (deploy/build); --tail, --since and --timestamps as
// kubectl logs has them. A child PipelineRun's lines (Kubernetes) are read from its own run at the
// collector, in with the parent's, labelled by the task that called it (deploy:build/step | …).
import type { Command } from 'commander';
import { durationFlag, type RunRecord, UsageError } from '../../contract/index.js';
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
    .option(
      '--task <task>',
      "only this task: the pipeline's task name, a task run's name, or a path into called pipelines (deploy/build)",
    )
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
        // The run's own lines, and those of the child PipelineRuns selected (stored under their ids).
        const runs = [...(sel.ownLines ? [run] : []), ...sel.childRuns];
        if (f.follow) {
          // Following a run that does not exist would wait forever.
          if (!record && (await reader.readLogs(run, { limit: 1 })).lines.length === 0)
            throw new UsageError(`run ${run} is unknown (no record, no logs)`, 'list runs with `kiln runs`');
          const skip = new Set<string>();
          if (tail !== undefined) {
            // The lines already stored that --tail leaves out: the follow stream starts at the first line.
            const stored = await readRuns(reader, runs, sel, wanted);
            for (const l of stored.slice(0, Math.max(0, stored.length - tail))) skip.add(lineKey(l));
          }
          const onLine = (l: LogLine) => (wanted(l) && !skip.has(lineKey(l)) ? print(l) : undefined);
          const again = (r: RunRecord | null) => {
            try {
              return selectLogs(r, f.task, f.step);
            } catch {
              return undefined; // the task is not in the record yet: keep what is followed
            }
          };
          await followTree(reader, run, record?.engine === 'kubernetes', runs, sel, again, onLine);
          return;
        }
        const lines = await readRuns(reader, runs, sel, wanted, tail);
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

/**
 * Every stored line wanted of `runs` (the last `tail` of them): one run's in the reader's order,
 * kept as they come (a --tail of a long log holds only the tail); several runs' merged by time.
 */
async function readRuns(
  reader: RunReader,
  runs: string[],
  sel: LogSelection,
  wanted: (l: LogLine) => boolean,
  tail?: number,
): Promise<LogLine[]> {
  const out = tail === undefined ? undefined : new TailBuffer<LogLine>(tail);
  const all: LogLine[] = [];
  const keep = (l: LogLine) => (out && runs.length === 1 ? out.push(l) : all.push(l));
  for (const r of runs) await readAll(reader, r, sel, wanted, keep);
  if (runs.length > 1) {
    all.sort((a, b) => a.time - b.time); // stable: each run's lines keep their order among equal times
    if (!out) return all;
    for (const l of all.splice(0)) out.push(l);
  }
  return out ? out.drain() : all;
}

/** Hands every stored line of `run` wanted to `keep`, in the reader's order. */
async function readAll(
  reader: RunReader,
  run: string,
  sel: LogSelection,
  wanted: (l: LogLine) => boolean,
  keep: (l: LogLine) => void,
): Promise<void> {
  let from: string | undefined;
  do {
    const page = await reader.readLogs(run, { ...readerSelector(sel), from, limit: 5000 });
    for (const l of page.lines) if (wanted(l)) keep(l);
    from = page.next ?? undefined;
  } while (from);
}

/** How often a followed cluster run's record is read again for the child PipelineRuns made since. */
const CHILD_POLL_MS = 1000;

/**
 * Follows `runs`. A cluster run's children are PipelineRuns made as it runs, stored under their
 * own ids: while the run's own lines are followed its record is read again now and then (the
 * reader has no event for a record's change), and a new child is followed too, `sel` widened to it.
 */
async function followTree(
  reader: RunReader,
  run: string,
  onCluster: boolean,
  runs: string[],
  sel: LogSelection,
  again: (record: RunRecord | null) => LogSelection | undefined,
  onLine: (l: LogLine) => Promise<void> | undefined,
): Promise<void> {
  const streams = new Map<string, Promise<void>>();
  const start = (r: string) => void (streams.has(r) || streams.set(r, follow(reader, r, sel, onLine)));
  runs.forEach(start);
  const own = streams.get(run);
  if (own && onCluster) {
    let ended = false;
    own.then(
      () => (ended = true),
      () => (ended = true),
    );
    while (!ended) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([own, new Promise((r) => (timer = setTimeout(r, CHILD_POLL_MS)))]).finally(() =>
        clearTimeout(timer),
      );
      // Once more after the run's end: it ends after its children, so none is missed.
      const next = again(await reader.getRun(run));
      if (!next) continue;
      Object.assign(sel, { taskRuns: next.taskRuns, labels: next.labels, manySteps: sel.manySteps || next.manySteps });
      next.childRuns.forEach(start);
    }
  }
  await Promise.all(streams.values());
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

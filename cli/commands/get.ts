// `kiln get RUN`: one run, as a table of its task runs or as json|yaml|name; `kiln describe RUN`:
// everything about it in words (tasks, steps, results, durations) and the failed steps' last lines.
import type { Command } from 'commander';
import { type RunRecord, type StepRecord, type TaskRunRecord, UsageError } from '../../contract/index.js';
import type { RunReader } from '../../collector/index.js';
import { outputFormat, type OutputFlags, render, table, withOutputOption } from '../output.js';
import { withReader, withReaderOptions } from '../reader-options.js';
import { taskDetail, taskLabel } from '../run-progress.js';
import { duration } from './runs.js';

/** How many of a failed step's last lines `kiln describe` shows. */
const FAILED_TAIL = 10;

type ReaderFlags = { collector?: string; token?: string; db?: string };

export async function requireRun(reader: RunReader, id: string): Promise<RunRecord> {
  const run = await reader.getRun(id);
  if (!run) throw new UsageError(`run ${id} is unknown`, 'list runs with `kiln runs`');
  return run;
}

const span = (x: { startedAt?: string; finishedAt?: string }) =>
  x.startedAt ? duration(x.startedAt, x.finishedAt ?? new Date().toISOString()) : '-';

function tasksTable(run: RunRecord, wide: boolean): string {
  const head = ['TASK', 'STATUS', 'DURATION', ...(wide ? ['TASKRUN', 'ATTEMPTS', 'STARTED'] : []), 'DETAIL'];
  return table([
    head,
    ...run.tasks.map((t) => [
      taskLabel(t),
      t.status,
      span(t),
      ...(wide ? [t.taskRun, String(t.attempts), t.startedAt ?? '-'] : []),
      taskDetail(t),
    ]),
  ]);
}

const failedStep = (s: StepRecord) => s.status === 'Failed' || s.status === 'TimedOut';

/** Each task with its attempts, steps and results; a pipeline task's run nested below it. */
function describeTasks(tasks: TaskRunRecord[], indent: string): string[] {
  const out: string[] = [];
  for (const t of tasks) {
    const detail = taskDetail(t);
    out.push(
      `${indent}${taskLabel(t)}  ${t.status}  ${span(t)}${detail ? `  ${detail}` : ''}  (task run ${t.taskRun})`,
    );
    for (const a of t.history ?? []) {
      const iteration = a.iteration !== undefined ? `iteration ${a.iteration} ` : '';
      const reason = a.reason ? `  ${a.reason}` : '';
      out.push(
        `${indent}  ${iteration}try ${a.attempt + 1}  ${a.status}  ${span(a)}${reason}  (task run ${a.taskRun})`,
      );
    }
    for (const s of t.steps) {
      const code = s.exitCode === null ? '' : `  exit ${s.exitCode}`;
      out.push(`${indent}  step ${s.name}  ${s.status}  ${span(s)}${code}${s.reason ? `  ${s.reason}` : ''}`);
    }
    for (const [k, v] of Object.entries(t.results)) out.push(`${indent}  result ${k}: ${v}`);
    if (t.child) {
      out.push(`${indent}  pipeline ${t.child.name}  ${t.child.status}${t.child.reason ? `  ${t.child.reason}` : ''}`);
      out.push(...describeTasks(t.child.tasks, `${indent}    `));
    }
  }
  return out;
}

/** Every task run of the run, those of called pipelines too (their logs are the run's). */
const allTasks = (tasks: TaskRunRecord[]): TaskRunRecord[] =>
  tasks.flatMap((t) => [t, ...(t.child ? allTasks(t.child.tasks) : [])]);

async function describeRun(reader: RunReader, run: RunRecord): Promise<string> {
  const out = [
    `Run:       ${run.id}`,
    `Pipeline:  ${run.name}`,
    `Status:    ${run.status}${run.reason && run.reason !== run.status ? ` (${run.reason})` : ''}`,
    `Started:   ${run.startedAt}`,
    `Duration:  ${span(run)}${run.finishedAt ? '' : ' (running)'}`,
    `Engine:    ${run.engine ?? '-'}`,
  ];
  const params = Object.entries(run.params);
  if (params.length) out.push('Params:', ...params.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`));
  if (run.warnings?.length) out.push('Warnings:', ...run.warnings.map((w) => `  ${w.replace(/\n/g, '\n  ')}`));
  out.push('Tasks:', ...describeTasks(run.tasks, '  '));
  for (const [k, v] of Object.entries(run.results ?? {})) out.push(`Result ${k}: ${JSON.stringify(v)}`);
  for (const t of allTasks(run.tasks)) {
    for (const s of t.steps.filter(failedStep)) {
      const page = await reader.readLogs(run.id, {
        task: t.taskRun,
        step: s.name,
        tail: FAILED_TAIL,
        limit: FAILED_TAIL,
      });
      out.push(`Last lines of ${taskLabel(t)}/${s.name}:`);
      out.push(...(page.lines.length ? page.lines.map((l) => `  ${l.text}`) : ['  (no lines stored)']));
    }
  }
  return out.join('\n') + '\n';
}

export function registerGet(program: Command): void {
  withOutputOption(
    withReaderOptions(program.command('get').description('show one run: its task runs, or the whole record')).argument(
      '<run>',
      'pipeline run id',
    ),
    'the run record',
  ).action(async (id: string, f: OutputFlags & ReaderFlags) => {
    const format = outputFormat(f);
    const run = await withReader(f, (r) => requireRun(r, id));
    const summary = `${run.id}  ${run.name}  ${run.status}  ${span(run)}\n`;
    process.stdout.write(
      render(format, [run], { name: (r) => r.id, text: (_, wide) => summary + tasksTable(run, wide) }, run),
    );
  });
  withReaderOptions(
    program
      .command('describe')
      .description("describe one run: tasks, steps, results, durations, and the failed steps' last log lines"),
  )
    .argument('<run>', 'pipeline run id')
    .action(async (id: string, f: ReaderFlags) => {
      const text = await withReader(f, async (r) => describeRun(r, await requireRun(r, id)));
      process.stdout.write(text);
    });
}

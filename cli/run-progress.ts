// What `kiln run` shows about a run: one status line per task run (for the live view and for
// plain output) and the summary at the end. Pure: record and time in, text out.
import { reasonText, type RunRecord, type TaskRunRecord } from '../contract/index.js';
import { type Paint, plain } from './colour.js';

const ICONS: Record<string, string> = {
  Pending: '·',
  Running: '▶',
  Succeeded: '✔',
  Failed: '✘',
  TimedOut: '⏱',
  Cancelled: '■',
  Skipped: '○',
};

export function formatElapsed(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** `task` or `task[os=linux,node=20]` for a matrix combination. */
export function taskLabel(t: TaskRunRecord): string {
  if (!t.matrix) return t.name;
  return `${t.name}[${Object.entries(t.matrix)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}]`;
}

function elapsedOf(t: TaskRunRecord, now: number): string {
  if (!t.startedAt) return '';
  const end = t.finishedAt ? Date.parse(t.finishedAt) : now;
  return formatElapsed(end - Date.parse(t.startedAt));
}

/** A gate waiting in a pipeline a task called, named by its path from the run (`deploy/gate`). */
function waitingGate(run: RunRecord, prefix: string): { path: string; message: string } | undefined {
  for (const t of run.tasks) {
    if (t.approval && t.status === 'Running') return { path: prefix + t.name, message: t.approval.message };
    const inner = t.child && t.status === 'Running' ? waitingGate(t.child, `${prefix}${t.name}/`) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** Why a task ended as it did, in words: the failing step and its exit code, or the skip reason. */
export function taskDetail(t: TaskRunRecord): string {
  const failed = t.steps.find((s) => s.status === 'Failed' || s.status === 'TimedOut');
  if ((t.status === 'Failed' || t.status === 'TimedOut') && failed) {
    const how =
      failed.status === 'TimedOut' ? 'timed out' : failed.exitCode !== null ? `exited ${failed.exitCode}` : 'failed';
    return `step ${failed.name} ${how}${t.attempts > 1 ? ` (after ${t.attempts} attempts)` : ''}`;
  }
  const gate = t.approval;
  if (gate && t.status === 'Running') return `awaiting approval: ${gate.message}`;
  const inner = t.status === 'Running' && t.child ? waitingGate(t.child, `${t.name}/`) : undefined;
  if (inner) return `awaiting approval (${inner.path}): ${inner.message}`;
  if (gate?.decision) return `${gate.decision} by ${gate.by}${gate.comment ? `: ${gate.comment.split('\n')[0]}` : ''}`;
  if (t.status === 'Running') return t.steps.find((s) => s.status === 'Running')?.name ?? '';
  return reasonText(t);
}

/** Padding is measured on the plain text, then painted: colour codes take no column. */
export function taskLine(t: TaskRunRecord, now: number, nameWidth = 0, paint: Paint = plain): string {
  const icon = paint.status(t.status, ICONS[t.status] ?? '?');
  const parts = [
    `${icon} ${taskLabel(t).padEnd(nameWidth)}`,
    paint.status(t.status, t.status.padEnd(9)),
    paint.dim(elapsedOf(t, now).padStart(6)),
  ];
  const detail = taskDetail(t);
  if (t.status === 'Running' && t.attempts > 1) parts.push(`attempt ${t.attempts}`);
  if (detail) parts.push(detail);
  return parts.join('  ').trimEnd();
}

/** The live block: a header and one line per task run, cut to the terminal's width. */
export function progressBlock(record: RunRecord, now: number, columns: number, paint: Paint = plain): string[] {
  const width = Math.min(40, Math.max(...record.tasks.map((t) => taskLabel(t).length), 4));
  const header = `${record.id}  ${record.status}  ${formatElapsed(now - Date.parse(record.startedAt))}`;
  // Cut to the width first (a cut line is plain, so no colour code is cut in half and every line
  // stays one terminal row, which the redraw counts on).
  return [header, ...record.tasks.map((t) => `  ${taskLine(t, now, width)}`)].map((l, i) => {
    if (l.length > columns) return l.slice(0, Math.max(1, columns - 1)) + '…';
    return i === 0 ? l : `  ${taskLine(record.tasks[i - 1]!, now, width, paint)}`;
  });
}

export function summary(record: RunRecord, paint: Paint = plain): string {
  const end = record.finishedAt ? Date.parse(record.finishedAt) : Date.now();
  // "Cancelled (Cancelled)" says nothing twice: a reason is shown only when it adds something.
  const reason = record.reason && record.status !== 'Succeeded' && record.reason !== record.status;
  const lines = [
    `${record.name} ${record.id}: ${paint.status(record.status, record.status)}${reason ? ` (${record.reason})` : ''} in ${formatElapsed(end - Date.parse(record.startedAt))}`,
  ];
  const width = Math.min(40, Math.max(...record.tasks.map((t) => taskLabel(t).length), 4));
  for (const t of record.tasks) lines.push(`  ${taskLine(t, end, width, paint)}`);
  for (const [name, value] of Object.entries(record.results ?? {})) {
    const text = typeof value === 'string' && !value.includes('\n') ? value : JSON.stringify(value);
    lines.push(
      `  result ${name}: ${text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters; all of it in --json)` : text}`,
    );
  }
  return lines.join('\n');
}

/**
 * The steps whose logs did not all reach the collector (the log deadline passed), one line each:
 * how many lines, and the spool that still holds them. Empty when every line was delivered.
 */
export function undeliveredLogs(record: RunRecord, collector: string): string {
  const lines = record.tasks.flatMap((t) =>
    t.steps.flatMap((s) =>
      s.logsComplete === false
        ? [
            `kiln: logs of ${taskLabel(t)}/${s.name} incomplete: ` +
              `${s.logsUndelivered?.lines ?? 'an unknown number of'} lines not delivered to ${collector}; ` +
              `the spool is kept at ${s.logsUndelivered?.spool ?? '(unknown)'}\n`,
          ]
        : [],
    ),
  );
  return lines.join('');
}

/**
 * Where to read a finished run again: its logs and the pipeline's history outlive the run.
 * `kiln` is how the user runs kiln (kilnCommand(): `kiln`, or `npx kiln` in a source checkout).
 */
export function readBackHint(record: RunRecord, kiln: string): string {
  return (
    `logs:    ${kiln} logs ${record.id}   (--task T --step S to narrow, -f to follow)\n` +
    `history: ${kiln} runs --pipeline ${record.name}\n`
  );
}

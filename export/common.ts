// What every export shares: the error listing what a target cannot express (refused, never
// dropped), references rewritten into a target's syntax, and tidy documents.
import { KilnError } from '../contract/index.js';
import { parseReference, type ParsedReference, substitute, type TaskSpec } from '../syntax/index.js';

export const EXPORT_TARGETS = ['tekton', 'github-actions', 'argo'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export class ExportError extends KilnError {
  readonly code = 'export';
  readonly hint =
    'change the pipeline to avoid these features, or run it with `kiln run` / the Kiln controller (docs/export.md lists what maps)';
  constructor(
    readonly target: ExportTarget,
    readonly problems: string[],
  ) {
    super(`cannot export to ${target}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export type Doc = Record<string, unknown>;

/** Drops undefined fields and empty lists, so the YAML shows only what is set. */
export function clean<T extends Doc>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}

/**
 * Rewrites each `$(…)` of `text` with `map`; a reference `map` cannot express is reported as a
 * problem of `where` (and left as written).
 */
export function rewriteRefs(
  text: string,
  map: (ref: ParsedReference, expr: string) => string | undefined,
  where: string,
  problems: string[],
): string {
  return substitute(text, (expr) => {
    const ref = parseReference(expr);
    const out = map(ref, expr);
    if (out === undefined) problems.push(`${where}: $(${expr}) has no equivalent here`);
    return out;
  });
}

/** What no other engine has: loops, pipelines in pipelines (unless the target maps them), CEL `when`. */
export function kilnOnly(task: TaskSpec, where: string, problems: string[], target: string): void {
  if (task.loop) problems.push(`${where}: loop has no ${target} equivalent`);
  if (task.pipeline) problems.push(`${where}: pipeline: (a pipeline in a pipeline) is not exported to ${target}`);
  if (task.whenCel?.length) problems.push(`${where}: a CEL when has no ${target} equivalent`);
}

/** What Tekton expresses and Actions and Argo do not: a step's onError chosen by a param. */
export function tektonOnly(task: TaskSpec, where: string, problems: string[], target: string): void {
  for (const step of task.steps.filter((s) => s.onErrorParam !== undefined))
    problems.push(
      `${where} step "${step.name}": onError from a param (${step.onErrorParam}) has no ${target} equivalent; write continue or stopAndFail`,
    );
}

/** A POSIX shell word: the argv of a `command:` step as one `run:` line. */
export const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * An approval gate outside Tekton: Actions (environments' required reviewers) and Argo (a suspend
 * resumed by `argo resume`) decide differently, without approvers or onTimeout as Kiln keeps them,
 * and a job or template without steps would be a gate nobody stops at: refused, named.
 */
export function approvalGate(task: TaskSpec, where: string, problems: string[], target: string, instead: string): void {
  if (task.approval)
    problems.push(`${where}: an approval gate has no ${target} equivalent that keeps its approvers (${instead})`);
}

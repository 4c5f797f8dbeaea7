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

/** What no other engine has: loops. */
export function kilnOnly(task: TaskSpec, where: string, problems: string[], target: string): void {
  if (task.loop) problems.push(`${where}: loop has no ${target} equivalent`);
}

/** Why a target cannot take a task's sidecars as Kiln runs them (started, ready, then the steps, then stopped). */
const NO_SIDECARS = {
  'GitHub Actions':
    "Actions' nearest form, a job's services, runs each image's own entrypoint (no command or script of the task's) and shares no workspace with the steps",
  Argo: "Argo starts a template's main container without waiting for its sidecars to be ready",
};

/** What Tekton expresses and Actions and Argo do not: a task's CEL when, a step's onError chosen by a param, sidecars, a step's when. */
export function tektonOnly(task: TaskSpec, where: string, problems: string[], target: keyof typeof NO_SIDECARS): void {
  if (task.whenCel?.length) problems.push(`${where}: a CEL when has no ${target} equivalent`);
  for (const step of task.steps.filter((s) => s.onErrorParam !== undefined))
    problems.push(
      `${where} step "${step.name}": onError from a param (${step.onErrorParam}) has no ${target} equivalent; write continue or stopAndFail`,
    );
  if (task.sidecars?.length)
    problems.push(
      `${where}: sidecars (${task.sidecars.map((s) => s.name).join(', ')}) are not exported to ${target}: ${NO_SIDECARS[target]}; export with --to tekton, or run it with kiln run or the Kiln controller`,
    );
  for (const step of task.steps.filter((s) => s.when?.length || s.whenCel?.length))
    problems.push(
      `${where} step "${step.name}": a step \`when\` (Tekton's) has no ${target} export here; put the condition in the step's script`,
    );
}

/** Why a target without an export of pipelines in pipelines cannot take one (Argo can: a DAG template per call). */
const NO_PIPELINE_CALLS = {
  Tekton:
    "pipelines in pipelines are Tekton's alpha feature (TEP-0056), which Tekton's Validate refuses unless enable-api-fields is alpha",
  'GitHub Actions':
    'a reusable workflow must be a file of its own under .github/workflows, and the export writes one document',
};

/** A task running a pipeline (any of its three spellings), refused with the reason and what to do instead. */
export function pipelineCall(
  task: TaskSpec,
  where: string,
  problems: string[],
  target: keyof typeof NO_PIPELINE_CALLS,
): void {
  if (task.pipeline)
    problems.push(
      `${where}: a pipeline task (pipeline:, pipelineRef: or pipelineSpec:) is not exported to ${target}: ${NO_PIPELINE_CALLS[target]}; export with --to argo (a DAG template per called pipeline), or run it with kiln run or the Kiln controller`,
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

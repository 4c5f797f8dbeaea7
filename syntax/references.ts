// `$(…)` references: finding them, parsing them, substituting them. No evaluation of anything:
// a reference is a path into values the caller supplies. A `$(…)` whose inside is not a variable
// path (`$(date +%s)`, `$(pwd)` in a shell script) is not a reference and is left alone.
import { STEP_ON_ERROR, type StepOnError } from '../contract/index.js';
import type { ParamValue, StepSpec } from './model.js';

/** One `$(…)` occurrence: `expr` is the text inside the parentheses. */
export interface Reference {
  expr: string;
  start: number;
  end: number;
}

/** Answers a reference's inside (`params.x`, `tasks.t.results.r`…); undefined leaves it as is. */
export type VariableResolver = (expr: string) => ParamValue | undefined;

export type ParsedReference =
  | { kind: 'param'; name: string; star?: boolean; index?: number; key?: string }
  | { kind: 'taskResult'; task: string; result: string; star?: boolean; index?: number; key?: string }
  | { kind: 'taskStatus'; task: string; field: 'status' | 'reason' }
  /** `$(tasks.t.matrix.length)`: how many task runs matrix task t has; with `result`, how many wrote it. */
  | { kind: 'matrixLength'; task: string; result?: string }
  | { kind: 'tasksStatus' }
  | { kind: 'resultPath'; name: string }
  | { kind: 'workspace'; name: string; field: 'path' | 'bound' | 'claim' | 'volume' }
  | { kind: 'context'; path: string }
  | { kind: 'matrix'; name: string }
  /** `$(steps.s.exitCode.path)`: the file holding step s's exit code (Tekton also spells s `step-s`). */
  | { kind: 'stepExitCode'; step: string }
  /** `$(step.results.r.path)`: the file the running step writes its result r to. */
  | { kind: 'stepResultPath'; name: string }
  /**
   * Tekton's artifacts (alpha): `$(step.artifacts.path)` and `$(artifacts.path)`, the files a step
   * writes its own / the task's provenance JSON to; `$(steps.s.inputs.n)` / `$(steps.s.outputs.n)`,
   * the values of an earlier step's artifact n, read when the step starts (in its script too).
   */
  | { kind: 'artifactsPath'; of: 'step' | 'task' }
  /** `$(credentials.path)`: where Tekton's credential initialization wrote the run's credentials. */
  | { kind: 'credentialsPath' }
  | { kind: 'stepArtifact'; step: string; category: 'inputs' | 'outputs'; name: string }
  /** `$(tasks.t.outputs.n)` / `inputs.n`: the values of task t's artifact n (Tekton alpha); orders the task after t. */
  | { kind: 'taskArtifact'; task: string; category: 'inputs' | 'outputs'; name: string }
  /** `$(steps.s.results.r)`: an earlier step's result, read when the step starts. */
  | { kind: 'stepResult'; step: string; result: string; star?: boolean; index?: number; key?: string }
  | { kind: 'function'; name: string }
  /** A known root (params, tasks…) in a shape that means nothing: an error to report. */
  | { kind: 'malformed'; expr: string };

const VARIABLE = /^[A-Za-z_][\w.\-[\]*"']*$/;
const FUNCTION = /^(hashFiles)\(.*\)$/s;
const ROOTS = new Set([
  'params',
  'inputs',
  'tasks',
  'results',
  'workspaces',
  'context',
  'matrix',
  'steps',
  'step',
  'artifacts',
  'credentials',
]);
const NAME = String.raw`[A-Za-z0-9_][\w-]*`;
const SELECTOR = String.raw`(?:\[(\*|\d+)\]|\.(${NAME}))?`;
// `inputs.params.p` is v1alpha1's spelling of `params.p`, still read by Tekton.
const PARAM_RE = new RegExp(String.raw`^(?:inputs\.)?params(?:\.(${NAME})|\[(["'])([^"'\]]+)\2\])${SELECTOR}$`);
const TASK_RESULT_RE = new RegExp(String.raw`^tasks\.(${NAME})\.results\.(${NAME})${SELECTOR}$`);
const MATRIX_LENGTH_RE = new RegExp(String.raw`^tasks\.(${NAME})\.matrix\.(?:(${NAME})\.)?length$`);
const TASK_STATUS_RE = new RegExp(String.raw`^tasks\.(${NAME})\.(status|reason)$`);
const RESULT_PATH_RE = new RegExp(String.raw`^results\.(${NAME})\.path$`);
const WORKSPACE_RE = new RegExp(String.raw`^workspaces\.(${NAME})\.(path|bound|claim|volume)$`);
const STEP_EXIT_CODE_RE = new RegExp(String.raw`^steps\.(${NAME})\.exitCode\.path$`);
const STEP_RESULT_PATH_RE = new RegExp(String.raw`^step\.results\.(${NAME})\.path$`);
const STEP_RESULT_RE = new RegExp(String.raw`^steps\.(${NAME})\.results\.(${NAME})${SELECTOR}$`);
const STEP_ARTIFACT_RE = new RegExp(String.raw`^steps\.(${NAME})\.(inputs|outputs)\.(${NAME})$`);
const TASK_ARTIFACT_RE = new RegExp(String.raw`^tasks\.(${NAME})\.(inputs|outputs)\.(${NAME})$`);
const MATRIX_RE = new RegExp(String.raw`^matrix\.(${NAME})$`);
const CONTEXT_RE = /^context\.([\w.-]+)$/;

/** Every `$(…)` in `text` that is a Kiln/Tekton variable or function, in order. */
export function referencesIn(text: string): Reference[] {
  const found: Reference[] = [];
  if (!text.includes('$(')) return found;
  const close = matchingParens(text);
  let from = 0;
  for (;;) {
    const start = text.indexOf('$(', from);
    if (start < 0) return found;
    const end = close.get(start + 1);
    if (end === undefined) return found;
    const expr = text.slice(start + 2, end).trim();
    const isVariable = VARIABLE.test(expr) && ROOTS.has(expr.split(/[.[]/, 1)[0]!);
    if (isVariable || FUNCTION.test(expr)) {
      found.push({ expr, start, end: end + 1 });
      from = end + 1;
    } else {
      from = start + 2; // a shell `$(…)` may hold references itself: look inside it
    }
  }
}

/** Position of "(" → position of its ")", in one pass (nested shell substitutions stay linear). */
function matchingParens(text: string): Map<number, number> {
  const open: number[] = [];
  const pairs = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') open.push(i);
    else if (text[i] === ')' && open.length > 0) pairs.set(open.pop()!, i);
  }
  return pairs;
}

function selector(star: string | undefined, key: string | undefined) {
  if (star === '*') return { star: true };
  if (star !== undefined) return { index: Number(star) };
  return key !== undefined ? { key } : {};
}

export function parseReference(expr: string): ParsedReference {
  let m: RegExpExecArray | null;
  const fn = FUNCTION.exec(expr);
  if (fn) return { kind: 'function', name: fn[1]! };
  if ((m = PARAM_RE.exec(expr))) return { kind: 'param', name: (m[1] ?? m[3])!, ...selector(m[4], m[5]) };
  if ((m = TASK_RESULT_RE.exec(expr)))
    return { kind: 'taskResult', task: m[1]!, result: m[2]!, ...selector(m[3], m[4]) };
  if ((m = MATRIX_LENGTH_RE.exec(expr)))
    return { kind: 'matrixLength', task: m[1]!, ...(m[2] ? { result: m[2] } : {}) };
  if ((m = TASK_ARTIFACT_RE.exec(expr)))
    return { kind: 'taskArtifact', task: m[1]!, category: m[2] as 'inputs' | 'outputs', name: m[3]! };
  if ((m = TASK_STATUS_RE.exec(expr))) return { kind: 'taskStatus', task: m[1]!, field: m[2] as 'status' | 'reason' };
  if (expr === 'tasks.status') return { kind: 'tasksStatus' };
  if ((m = RESULT_PATH_RE.exec(expr))) return { kind: 'resultPath', name: m[1]! };
  if ((m = WORKSPACE_RE.exec(expr))) return { kind: 'workspace', name: m[1]!, field: m[2] as 'path' };
  if ((m = MATRIX_RE.exec(expr))) return { kind: 'matrix', name: m[1]! };
  if ((m = STEP_EXIT_CODE_RE.exec(expr))) return { kind: 'stepExitCode', step: m[1]! };
  if ((m = STEP_RESULT_PATH_RE.exec(expr))) return { kind: 'stepResultPath', name: m[1]! };
  if (expr === 'step.artifacts.path') return { kind: 'artifactsPath', of: 'step' };
  if (expr === 'artifacts.path') return { kind: 'artifactsPath', of: 'task' };
  if (expr === 'credentials.path') return { kind: 'credentialsPath' };
  if ((m = STEP_ARTIFACT_RE.exec(expr)))
    return { kind: 'stepArtifact', step: m[1]!, category: m[2] as 'inputs' | 'outputs', name: m[3]! };
  if ((m = STEP_RESULT_RE.exec(expr)))
    return { kind: 'stepResult', step: m[1]!, result: m[2]!, ...selector(m[3], m[4]) };
  if ((m = CONTEXT_RE.exec(expr))) return { kind: 'context', path: m[1]! };
  return { kind: 'malformed', expr };
}

function flatten(value: ParamValue): string {
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.join(' ') : JSON.stringify(value);
}

/** The one reference `text` is, whole (`$(params.p[*])`), or undefined for any other text. */
export function wholeReference(text: string): ParsedReference | undefined {
  const refs = referencesIn(text);
  const ref = refs.length === 1 && refs[0]!.start === 0 && refs[0]!.end === text.length ? refs[0]! : undefined;
  return ref && parseReference(ref.expr);
}

/** A whole `$(params.p[*])` or `$(tasks.t.results.r[*])` (spaces around it allowed), with what it names without `[*]`. */
type StarReference = { kind: 'param'; name: string; base: string } | { kind: 'taskResult'; base: string };

export function wholeStarReference(text: string): StarReference | undefined {
  const r = wholeReference(text.trim());
  if (r?.kind === 'param' && r.star) return { kind: 'param', name: r.name, base: `params.${r.name}` };
  if (r?.kind === 'taskResult' && r.star) return { kind: 'taskResult', base: `tasks.${r.task}.results.${r.result}` };
  return undefined;
}

/**
 * Replaces every reference the resolver answers; the rest stay as written. An array value
 * inside a longer string is joined with spaces (use expandArgs to get separate arguments).
 */
export function substitute(text: string, resolve: VariableResolver): string {
  const refs = referencesIn(text);
  if (refs.length === 0) return text;
  let out = '';
  let at = 0;
  for (const ref of refs) {
    const value = resolve(ref.expr);
    out += text.slice(at, ref.start) + (value === undefined ? text.slice(ref.start, ref.end) : flatten(value));
    at = ref.end;
  }
  return out + text.slice(at);
}

/** Substitutes a list of arguments, Tekton-style: an argument that is exactly `$(x[*])` becomes one argument per element. */
export function expandArgs(args: readonly string[], resolve: VariableResolver): string[] {
  const out: string[] = [];
  for (const arg of args) {
    const refs = referencesIn(arg);
    const whole =
      refs.length === 1 && refs[0]!.start === 0 && refs[0]!.end === arg.length ? resolve(refs[0]!.expr) : undefined;
    if (Array.isArray(whole)) out.push(...whole);
    else out.push(substitute(arg, resolve));
  }
  return out;
}

function substituteRecord(rec: Record<string, string>, resolve: VariableResolver): Record<string, string> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, substitute(v, resolve)]));
}

/** A step with every answered reference substituted (command and args with array expansion). */
export function substituteStep(step: StepSpec, resolve: VariableResolver): StepSpec {
  const sub = (s: string | undefined) => (s === undefined ? undefined : substitute(s, resolve));
  // A param's onError folds into onError once it resolves to a choice (the engine refuses the rest).
  const onError = resolveStepOnError(step, resolve);
  const { onErrorParam: _written, ...rest } = step;
  return {
    ...(step.onErrorParam !== undefined && 'onError' in onError ? { ...rest, onError: onError.onError } : step),
    image: sub(step.image),
    script: sub(step.script),
    command: step.command ? expandArgs(step.command, resolve) : undefined,
    args: expandArgs(step.args, resolve),
    env: substituteRecord(step.env, resolve),
    workingDir: sub(step.workingDir),
    ...(step.stdoutPath !== undefined && { stdoutPath: sub(step.stdoutPath) }),
    ...(step.stderrPath !== undefined && { stderrPath: sub(step.stderrPath) }),
    ...(step.volumeMounts && {
      volumeMounts: step.volumeMounts.map((m) => ({
        ...m,
        mountPath: substitute(m.mountPath, resolve),
        ...(m.subPath && { subPath: substitute(m.subPath, resolve) }),
      })),
    }),
    ...(step.workspaces && {
      workspaces: step.workspaces.map((w) => ({
        ...w,
        ...(w.mountPath !== undefined && { mountPath: substitute(w.mountPath, resolve) }),
      })),
    }),
    cache: step.cache && {
      ...step.cache,
      key: substitute(step.cache.key, resolve),
      restoreKeys: step.cache.restoreKeys.map((k) => substitute(k, resolve)),
      paths: step.cache.paths.map((p) => substitute(p, resolve)),
      writtenPaths: step.cache.writtenPaths ?? step.cache.paths,
    },
  };
}

/** A param value with its references substituted (arrays element-wise, with `[*]` expansion). */
export function substituteValue(value: ParamValue, resolve: VariableResolver): ParamValue {
  if (typeof value === 'string') {
    const refs = referencesIn(value);
    const whole =
      refs.length === 1 && refs[0]!.start === 0 && refs[0]!.end === value.length ? resolve(refs[0]!.expr) : undefined;
    return whole !== undefined && typeof whole !== 'string' ? whole : substitute(value, resolve);
  }
  if (Array.isArray(value)) return expandArgs(value, resolve);
  return substituteRecord(value, resolve);
}

/** The index of the step `$(steps.NAME…)` names: its name, or Tekton's container name `step-NAME`. */
export function stepIndexNamed(steps: readonly { name: string }[], name: string): number | undefined {
  const i = steps.findIndex((s) => s.name === name || `step-${s.name}` === name);
  return i < 0 ? undefined : i;
}

/** The step's `onError` once its param reference is substituted, or why the value cannot be one. */
export function resolveStepOnError(
  step: StepSpec,
  resolve: VariableResolver,
): { onError: StepOnError } | { error: string } {
  if (step.onErrorParam === undefined) return { onError: step.onError };
  const value = substitute(step.onErrorParam, resolve);
  if ((STEP_ON_ERROR as readonly string[]).includes(value)) return { onError: value as StepOnError };
  return {
    error: `step "${step.name}": onError ${step.onErrorParam} is "${value}", which is neither continue nor stopAndFail`,
  };
}

/** The first step of a task whose `onError` param has a value that is no choice (undefined: none). */
export function invalidStepOnError(steps: StepSpec[], resolve: VariableResolver): string | undefined {
  for (const step of steps) {
    const r = resolveStepOnError(step, resolve);
    if ('error' in r) return r.error;
  }
  return undefined;
}

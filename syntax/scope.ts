// Builds a VariableResolver from plain values: the engine fills a SubstitutionScope for a task
// run and substitutes with it. Runtime paths (results, workspaces) come from the runtime's layout.
import { TASK_ARTIFACTS_RESULT } from '../contract/index.js';
import type { ParamValue } from './model.js';
import { parseReference, type ParsedReference, type VariableResolver } from './references.js';

/** The `$(context.*)` variables Kiln answers (Tekton's names). */
export const CONTEXT_VARIABLES = [
  'pipelineRun.name',
  'pipelineRun.namespace',
  'pipelineRun.uid',
  'pipeline.name',
  'taskRun.name',
  'taskRun.namespace',
  'taskRun.uid',
  'task.name',
  'task.retry-count',
  'pipelineTask.retries',
  // Kiln's own, for notifications: the run's page in the web UI ("" when none is configured), the
  // pipeline tasks failed so far (comma-separated), and the time since the run started.
  'pipelineRun.url',
  'pipelineRun.failedTasks',
  'pipelineRun.duration',
] as const;

export interface SubstitutionScope {
  /** Pipeline params, overridden by the task's own params (see taskParamValues) and, for a matrix run, its combination. */
  params?: Record<string, ParamValue>;
  matrix?: Record<string, string>;
  /** task → result → value; array and object results are JSON text, as Tekton writes them. */
  taskResults?: Record<string, Record<string, string>>;
  /** `$(tasks.t.matrix.length)` and `$(tasks.t.matrix.r.length)`: Tekton's counts, as text. */
  matrixLength?: (task: string, result?: string) => string | undefined;
  /** In finally: task → Succeeded | Failed | None, and the aggregate for `$(tasks.status)`. */
  taskStatuses?: Record<string, string>;
  taskReasons?: Record<string, string>;
  aggregateStatus?: string;
  /** Path of result `name` for the running task (`$(results.name.path)`). */
  resultPath?: (name: string) => string;
  /** The directory of the task run's credentials (`$(credentials.path)`). */
  credentialsPath?: string;
  /** The file holding a step's exit code, by the step's name (`$(steps.s.exitCode.path)`). */
  stepExitCodePath?: (step: string) => string | undefined;
  /** task workspace name → path. */
  workspacePaths?: Record<string, string>;
  /** task workspace name → "true" or "false" (`$(workspaces.w.bound)`). */
  workspaceBound?: Record<string, string>;
  /** task workspace name → its claim (a PVC's name, else "") and its volume's name (`.claim`, `.volume`). */
  workspaceClaims?: Record<string, string>;
  workspaceVolumes?: Record<string, string>;
  /** CONTEXT_VARIABLES name → value. */
  context?: Partial<Record<(typeof CONTEXT_VARIABLES)[number], string>>;
}

type Selected = { star?: boolean; index?: number; key?: string };

function select(value: ParamValue | undefined, sel: Selected): ParamValue | undefined {
  if (value === undefined) return undefined;
  // `[*]` of a string is not answered: Tekton leaves it as written (validate.ts warns).
  if (sel.star) return typeof value === 'string' ? undefined : value;
  if (sel.index !== undefined) return Array.isArray(value) ? value[sel.index] : undefined;
  if (sel.key !== undefined) return typeof value === 'object' && !Array.isArray(value) ? value[sel.key] : undefined;
  return value;
}

/** A result's text as a value: JSON arrays/objects when it holds one and a selector asks for it. */
function resultValue(text: string | undefined, sel: Selected): ParamValue | undefined {
  if (text === undefined || (!sel.star && sel.index === undefined && sel.key === undefined)) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return select(parsed.map(String), sel);
    if (parsed && typeof parsed === 'object') {
      return select(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])), sel);
    }
  } catch {
    // not JSON: a plain string result has no elements
  }
  return undefined;
}

/** The JSON of the `values` of artifact `name` in a task's artifacts (Tekton's provenance JSON). */
function artifactValues(text: string | undefined, category: string, name: string): string | undefined {
  if (text === undefined) return undefined;
  try {
    const list: unknown = (JSON.parse(text) as Record<string, unknown> | null)?.[category];
    const found = Array.isArray(list)
      ? (list as { name?: unknown; values?: unknown }[]).find((a) => a?.name === name)
      : undefined;
    return found ? JSON.stringify(found.values ?? []) : undefined;
  } catch {
    return undefined; // not JSON: no artifact can be read from it
  }
}

function answer(ref: ParsedReference, scope: SubstitutionScope): ParamValue | undefined {
  switch (ref.kind) {
    case 'param':
      return select(scope.params?.[ref.name], ref);
    case 'matrix':
      return scope.matrix?.[ref.name];
    case 'taskResult':
      return resultValue(scope.taskResults?.[ref.task]?.[ref.result], ref);
    case 'taskArtifact':
      return artifactValues(scope.taskResults?.[ref.task]?.[TASK_ARTIFACTS_RESULT], ref.category, ref.name);
    case 'matrixLength':
      return scope.matrixLength?.(ref.task, ref.result);
    case 'taskStatus':
      return (ref.field === 'status' ? scope.taskStatuses : scope.taskReasons)?.[ref.task];
    case 'tasksStatus':
      return scope.aggregateStatus;
    case 'resultPath':
      return scope.resultPath?.(ref.name);
    case 'credentialsPath':
      return scope.credentialsPath;
    case 'stepExitCode':
      return scope.stepExitCodePath?.(ref.step);
    case 'workspace':
      return ref.field === 'path'
        ? scope.workspacePaths?.[ref.name]
        : ref.field === 'bound'
          ? scope.workspaceBound?.[ref.name]
          : ref.field === 'claim'
            ? scope.workspaceClaims?.[ref.name]
            : scope.workspaceVolumes?.[ref.name];
    case 'context':
      return scope.context?.[ref.path as (typeof CONTEXT_VARIABLES)[number]];
    default:
      return undefined;
  }
}

/** A resolver answering from `scope`; what the scope lacks stays unsubstituted. */
export function makeResolver(scope: SubstitutionScope): VariableResolver {
  return (expr) => answer(parseReference(expr), scope);
}

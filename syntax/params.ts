// A run's param values: what the user gave (`--param k=v`, a PipelineRun) checked against the
// pipeline's declarations, defaults filled in, array/object params read from text.
import { KilnError } from '../contract/index.js';
import { suggest } from './did-you-mean.js';
import type { ParamSpec, ParamValue, PipelineSpec, TaskSpec } from './model.js';
import { substituteValue, type VariableResolver } from './references.js';

/** A run param that is unknown, missing or of the wrong type. */
export class ParamError extends KilnError {
  readonly code = 'param';
  constructor(
    message: string,
    readonly param: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function where(spec: ParamSpec): string {
  return spec.pos ? ` (declared at ${spec.pos.file}:${spec.pos.line}:${spec.pos.col})` : '';
}

/** Reads a value given as text for a param of `spec.type`: arrays as JSON or `a,b,c`, objects as JSON. */
function coerce(spec: ParamSpec, value: ParamValue): ParamValue {
  if (typeof value !== 'string') {
    const isArray = Array.isArray(value);
    if ((spec.type === 'array') === isArray && spec.type !== 'string') return value;
    throw new ParamError(
      `param "${spec.name}" is of type ${spec.type}, got ${isArray ? 'an array' : 'an object'}`,
      spec.name,
    );
  }
  if (spec.type === 'string') return value;
  if (spec.type === 'array') {
    if (!value.trimStart().startsWith('[')) return value === '' ? [] : value.split(',').map((v) => v.trim());
    const parsed = parseJson(value);
    if (Array.isArray(parsed)) return parsed.map(String);
    throw new ParamError(
      `param "${spec.name}" is an array: "${value}" is not a JSON array`,
      spec.name,
      `give a,b,c or ["a","b"]`,
    );
  }
  const parsed = parseJson(value);
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }
  throw new ParamError(
    `param "${spec.name}" is an object: "${value}" is not a JSON object`,
    spec.name,
    `give {"key":"value"}`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Every declared param with its value for this run; throws ParamError on an unknown or missing one. */
export function resolveRunParams(
  pipeline: PipelineSpec,
  given: Record<string, ParamValue>,
): Record<string, ParamValue> {
  const declared = new Map(pipeline.params.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      throw new ParamError(
        `pipeline "${pipeline.name}" has no param "${name}"`,
        name,
        suggest(name, [...declared.keys()]),
      );
    }
  }
  const values: Record<string, ParamValue> = {};
  for (const spec of pipeline.params) {
    const value = withObjectDefaults(given[spec.name], spec.default);
    if (value === undefined) {
      throw new ParamError(
        `pipeline "${pipeline.name}" needs param "${spec.name}"${where(spec)}`,
        spec.name,
        `pass --param ${spec.name}=VALUE`,
      );
    }
    values[spec.name] = coerce(spec, value);
  }
  return values;
}

/** As Tekton: an object value given in part takes the keys it leaves out from the default. */
function withObjectDefaults(given: ParamValue | undefined, fallback: ParamValue | undefined): ParamValue | undefined {
  return isObject(given) && isObject(fallback) ? { ...fallback, ...given } : (given ?? fallback);
}

/**
 * The params a task's steps see: the run's params overlaid with the task's own (Tekton task
 * params, `with:` of a template), whose values may refer to run params and task results.
 */
export function taskParamValues(
  task: TaskSpec,
  runParams: Record<string, ParamValue>,
  resolve: VariableResolver,
): Record<string, ParamValue> {
  const own = Object.fromEntries(Object.entries(task.params).map(([k, v]) => [k, substituteValue(v, resolve)]));
  const values = { ...runParams, ...own };
  // Tekton's propagation: an object a task is given keeps the keys it leaves out from the run's
  // object of that name (the task's keys win).
  for (const [name, value] of Object.entries(own)) {
    const outer = runParams[name];
    if (isObject(value) && isObject(outer)) values[name] = { ...outer, ...value };
  }
  return values;
}

/** `k=v` from the command line. */
export function parseParamArgument(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ParamError(`--param "${arg}" is not NAME=VALUE`, arg, 'write --param name=value');
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

function isObject(value: ParamValue | undefined): value is Record<string, string> {
  return typeof value === 'object' && !Array.isArray(value);
}

// The one module that knows which CEL library evaluates trigger filters: @bufbuild/cel, the one
// the engine's `when` uses (issue 14 chose it on correctness). Variables are passed as values: the
// delivery's text is never spliced into the expression's source.
import type { CelInput as CelValue } from '@bufbuild/cel';
import { celLibrary, type CelProgram } from '../syntax/index.js';

/** What a filter sees: the parsed body, lower-cased headers, and the delivery's normalised facts. */
export interface CelInput {
  body: unknown;
  header: Record<string, string>;
  event: string;
  branch: string;
  tag: string;
  sha: string;
}

export interface CelFilter {
  source: string;
  /** true: the delivery passes; a string: why it does not (false, or an evaluation error). */
  test(input: CelInput): true | string;
}

export class CelCompileError extends Error {}

const MAX_EXPRESSION = 4096;

/** JSON as CEL values: objects as maps, whole numbers as ints (so `body.n > 2` compares ints). */
function celJson(value: unknown): CelValue {
  if (Array.isArray(value)) return value.map(celJson);
  if (value !== null && typeof value === 'object')
    return new Map(Object.entries(value).map(([k, v]) => [k, celJson(v)]));
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value as CelValue;
}

const bindings = (input: CelInput): Record<string, CelValue> => ({
  body: celJson(input.body),
  header: celJson(input.header),
  event: input.event,
  branch: input.branch,
  tag: input.tag,
  sha: input.sha,
});

const describe = (v: unknown) =>
  typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'double' : v instanceof Map ? 'map' : typeof v;

export function compileFilter(source: string): CelFilter {
  if (source.length > MAX_EXPRESSION) throw new CelCompileError(`longer than ${MAX_EXPRESSION} characters`);
  const { lib, env } = celLibrary();
  let run: CelProgram;
  try {
    run = lib.plan(env, lib.parse(source));
  } catch (err) {
    throw new CelCompileError((err as Error).message.replace(/^<input>:/, 'at ').split('\n')[0]);
  }
  // @bufbuild/cel has no type checker: an expression that gives a non-bool even on an empty
  // delivery (a constant like `1 + 2`, or `branch`) is refused now rather than at every delivery.
  // One that fails on the empty delivery (a field the body lacks) is left to run time.
  const probe = run(bindings({ body: {}, header: {}, event: '', branch: '', tag: '', sha: '' }));
  if (!lib.isCelError(probe) && typeof probe !== 'boolean')
    throw new CelCompileError(`gives a ${describe(probe)}, not a bool`);
  return {
    source,
    test(input) {
      let out: unknown;
      try {
        out = run(bindings(input));
      } catch (err) {
        out = err;
      }
      if (out === true) return true;
      if (out === false) return `filter ${JSON.stringify(source)} is false`;
      if (lib.isCelError(out) || out instanceof Error)
        return `filter ${JSON.stringify(source)} failed: ${(out as Error).message.split('\n')[0]}`;
      return `filter ${JSON.stringify(source)} gave ${String(out)}, not a bool`;
    },
  };
}

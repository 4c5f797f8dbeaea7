// The one module that knows which CEL library evaluates trigger filters (issue 14 picks Kiln's;
// swapping it means changing this file only). Variables are declared with types and passed as
// values: the delivery's text is never spliced into the expression's source.
import { Environment } from '@marcbachmann/cel-js';

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

const environment = new Environment()
  .registerVariable('body', 'dyn')
  .registerVariable('header', 'map')
  .registerVariable('event', 'string')
  .registerVariable('branch', 'string')
  .registerVariable('tag', 'string')
  .registerVariable('sha', 'string');

export function compileFilter(source: string): CelFilter {
  if (source.length > MAX_EXPRESSION) throw new CelCompileError(`longer than ${MAX_EXPRESSION} characters`);
  let run: (ctx: Record<string, unknown>) => unknown;
  try {
    const parsed = environment.parse(source);
    const checked = parsed.check();
    if (!checked.valid) throw new CelCompileError((checked.error?.message ?? 'does not type-check').split('\n')[0]);
    if (checked.type !== 'bool' && checked.type !== 'dyn')
      throw new CelCompileError(`gives a ${checked.type}, not a bool`);
    run = parsed;
  } catch (err) {
    if (err instanceof CelCompileError) throw err;
    throw new CelCompileError((err as Error).message.split('\n')[0]);
  }
  return {
    source,
    test(input) {
      try {
        const out = run({ ...input });
        if (out === true) return true;
        return out === false
          ? `filter ${JSON.stringify(source)} is false`
          : `filter ${JSON.stringify(source)} gave ${String(out)}, not a bool`;
      } catch (err) {
        return `filter ${JSON.stringify(source)} failed: ${(err as Error).message.split('\n')[0]}`;
      }
    },
  };
}

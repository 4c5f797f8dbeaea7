// CEL conditions (`when: [{cel: …}]`, `loop.until.cel`) with @bufbuild/cel. A `$(…)` reference is
// never spliced into the expression's text: it becomes a CEL variable bound to its value, typed —
// a reference written bare is an int, a double, a bool, a list or a map when its value is one
// (`$(params.n) > 3`), and a string otherwise; one written inside a string literal is always a
// string (`'$(params.env)' == 'prod'`, Tekton's form). A value holding quotes or operators stays data.
import type { CelInput } from '@bufbuild/cel';
import { celLibrary, type CelProgram } from './cel-library.js';
import type { CelCondition, ParamValue } from './model.js';
import { referencesIn, type VariableResolver } from './references.js';

export const MAX_CEL_LENGTH = 4096;
const VAR_PREFIX = '_kiln_ref';
const INT = /^-?(0|[1-9]\d*)$/;
const DOUBLE = /^-?\d+(\.\d+([eE][-+]?\d+)?|[eE][-+]?\d+)$/;
const INT64_MAX = 2n ** 63n - 1n;

/** The expression with each reference replaced by a variable, and what each variable stands for. */
export interface PreparedCel {
  source: string;
  vars: { name: string; expr: string; inString: boolean }[];
}

interface Literal {
  start: number;
  prefix: string;
  delim: string;
  raw: boolean;
  bytes: boolean;
  pieces: string[];
  hasRef: boolean;
  from: number;
}

/** Rewrites references into variables; an error when a reference sits where no value can go. */
export function prepareCel(text: string): PreparedCel | { error: string } {
  if (text.length > MAX_CEL_LENGTH) return { error: `the expression is longer than ${MAX_CEL_LENGTH} characters` };
  const refs = new Map(referencesIn(text).map((r) => [r.start, r]));
  const vars: PreparedCel['vars'] = [];
  const variable = (expr: string, inString: boolean) => {
    const name = `${VAR_PREFIX}${vars.length}`;
    vars.push({ name, expr, inString });
    return name;
  };
  let out = '';
  let lit: Literal | undefined;
  let i = 0;
  while (i < text.length) {
    const ref = refs.get(i);
    if (lit) {
      if (ref) {
        if (lit.bytes) return { error: `$(${ref.expr}) is inside a bytes literal` };
        const before = text.slice(lit.from, i);
        if (before) lit.pieces.push(lit.prefix + lit.delim + before + lit.delim);
        lit.pieces.push(variable(ref.expr, true));
        lit.hasRef = true;
        i = lit.from = ref.end;
      } else if (!lit.raw && text[i] === '\\') i += 2;
      else if (text.startsWith(lit.delim, i)) {
        i += lit.delim.length;
        if (lit.hasRef) {
          const rest = text.slice(lit.from, i - lit.delim.length);
          if (rest) lit.pieces.push(lit.prefix + lit.delim + rest + lit.delim);
          out += `(${lit.pieces.join(' + ')})`;
        } else out += text.slice(lit.start, i);
        lit = undefined;
      } else i++;
      continue;
    }
    if (ref) {
      out += variable(ref.expr, false);
      i = ref.end;
      continue;
    }
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      // r/R (raw) and b/B (bytes) prefixes, unless they end an identifier.
      const prefix = /(?<![A-Za-z0-9_])[rRbB]{1,2}$/.exec(out)?.[0] ?? '';
      out = out.slice(0, out.length - prefix.length);
      const delim = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      const start = i - prefix.length;
      i += delim.length;
      lit = {
        start,
        prefix,
        delim,
        raw: /[rR]/.test(prefix),
        bytes: /[bB]/.test(prefix),
        pieces: [],
        hasRef: false,
        from: i,
      };
      continue;
    }
    out += ch;
    i++;
  }
  if (lit) return { error: 'a string literal is not closed' };
  return { source: out, vars };
}

/** Parses the expression (references as variables); the parser's message when it cannot. */
export function checkCel(text: string): string | undefined {
  const prepared = prepareCel(text);
  if ('error' in prepared) return prepared.error;
  try {
    celLibrary().lib.parse(prepared.source);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^<input>:/, 'at ') : String(err);
  }
}

/** A value as CEL sees it: typed when written bare, a string when written inside a literal. */
export function celValue(value: ParamValue, inString: boolean): CelInput {
  if (inString) return typeof value === 'string' ? value : JSON.stringify(value);
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return new Map(Object.entries(value));
  if (INT.test(value)) {
    const n = BigInt(value);
    return n <= INT64_MAX && n >= -INT64_MAX - 1n ? n : Number(value); // past int64: a double
  }
  if (DOUBLE.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

export type CelOutcome = { value: boolean } | { error: string };

/** Planned programs by source: a loop or a matrix evaluates the same expression many times. */
const programs = new Map<string, CelProgram>();
const MAX_PROGRAMS = 1000;

function program(source: string): CelProgram {
  let found = programs.get(source);
  if (!found) {
    if (programs.size >= MAX_PROGRAMS) programs.clear();
    const { lib, env } = celLibrary();
    found = lib.plan(env, lib.parse(source));
    programs.set(source, found);
  }
  return found;
}

/**
 * Evaluates a condition: its references resolved to typed variables, plus `extra` variables
 * (a loop's `results` and `iteration`). Anything but a boolean is an error, as is a reference
 * without a value.
 */
export function evaluateCel(
  cond: CelCondition,
  resolve: VariableResolver,
  extra: Record<string, CelInput> = {},
): CelOutcome {
  const prepared = prepareCel(cond.expression);
  if ('error' in prepared) return prepared;
  const bindings: Record<string, CelInput> = { ...extra };
  for (const v of prepared.vars) {
    const value = resolve(v.expr);
    if (value === undefined) return { error: `$(${v.expr}) has no value here` };
    bindings[v.name] = celValue(value, v.inString);
  }
  let result: unknown;
  try {
    result = program(prepared.source)(bindings);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (celLibrary().lib.isCelError(result)) return { error: result.message };
  if (typeof result !== 'boolean') return { error: `the expression gives ${typeof result}, not a boolean` };
  return { value: result };
}

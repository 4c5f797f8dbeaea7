// `when` expressions: `LEFT in [a, b]`, `LEFT notin [a, b]`, `LEFT == RIGHT`, `LEFT != RIGHT`,
// and Tekton's {input, operator, values}. Parsed into WhenExpression, compared after
// substitution; nothing is ever evaluated as code.
import type { WhenExpression } from './model.js';
import { expandArgs, substitute, type VariableResolver } from './references.js';

const LIST_FORM = /^(.*?)\s+(in|notin)\s+\[(.*)\]$/s;
const MAX_WHEN_LENGTH = 4096;
const EQUALITY_FORM = /^(.*?)\s*(==|!=)\s*(.*)$/s;

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0] ? t.slice(1, -1) : t;
}

/** Splits `a, "b, c", d` on commas outside quotes and `$(…)`. */
function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '' || items.length > 0) items.push(current);
  return items.map(unquote);
}

/** Parses the string form; returns an error message when it is none of the four shapes. */
export function parseWhenText(text: string): WhenExpression | { error: string } {
  // The patterns below backtrack; a bound keeps them linear enough.
  if (text.length > MAX_WHEN_LENGTH) return { error: `a when expression is longer than ${MAX_WHEN_LENGTH} characters` };
  const list = LIST_FORM.exec(text.trim());
  if (list) {
    const values = splitList(list[3]!);
    if (unquote(list[1]!) === '') return { error: `"${text}" has nothing left of "${list[2]}"` };
    if (values.some((v) => v === '')) return { error: `"${text}" has an empty value in its list` };
    return { input: unquote(list[1]!), operator: list[2] as 'in' | 'notin', values };
  }
  const eq = EQUALITY_FORM.exec(text.trim());
  if (eq && unquote(eq[1]!) !== '') {
    return { input: unquote(eq[1]!), operator: eq[2] === '==' ? 'in' : 'notin', values: [unquote(eq[3]!)] };
  }
  return { error: `cannot read when expression "${text}"` };
}

export interface WhenOutcome {
  pass: boolean;
  /** The first expression that did not hold, with its input and values substituted. */
  failed?: WhenExpression;
}

/** All expressions must hold. Inputs and values are substituted first; `[*]` values expand. */
export function evaluateWhen(exprs: readonly WhenExpression[], resolve: VariableResolver): WhenOutcome {
  for (const expr of exprs) {
    const input = substitute(expr.input, resolve);
    const values = expandArgs(expr.values, resolve);
    const member = values.includes(input);
    if (member !== (expr.operator === 'in')) return { pass: false, failed: { ...expr, input, values } };
  }
  return { pass: true };
}

/** `input in [a, b]`, for skip reasons and `kiln graph`. */
export function describeWhen(expr: WhenExpression): string {
  return `${expr.input} ${expr.operator} [${expr.values.join(', ')}]`;
}

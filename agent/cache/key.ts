// Cache key evaluation. The engine substitutes every `$(…)` it knows before the step runs; it
// leaves `$(hashFiles('glob', …))` for the agent, because only the step sees the workspace as the
// step does. This module parses those calls (no eval) and checks the resulting key.

import { CacheKeyError, checkKey, MAX_KEY_LENGTH } from '../../contract/cache/index.js';

const MAX_HASHFILES_ARGS = 32;

export type HashFilesFn = (patterns: string[]) => Promise<string>;

interface HashFilesCall {
  start: number;
  end: number;
  patterns: string[];
}

/** Parses `hashFiles('a', "b")` starting at `at` (just past `$(`); returns null when it is not one. */
function parseHashFilesCall(text: string, at: number, key: string): HashFilesCall | null {
  const head = /^hashFiles\s*\(/.exec(text.slice(at));
  if (!head) return null;
  let i = at + head[0].length;
  const patterns: string[] = [];
  const fail = (why: string): never => {
    throw new CacheKeyError(
      `cache key "${key}": ${why} at column ${i + 1}`,
      key,
      "write it as $(hashFiles('glob', 'glob2')) with quoted globs",
    );
  };
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === ')' && patterns.length > 0) break;
    const quote = text[i];
    if (quote !== "'" && quote !== '"') fail('expected a quoted glob');
    const close = text.indexOf(quote, i + 1);
    if (close < 0) fail('unterminated string');
    patterns.push(text.slice(i + 1, close));
    if (patterns.length > MAX_HASHFILES_ARGS) fail(`more than ${MAX_HASHFILES_ARGS} globs`);
    i = close + 1;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== ')') fail('expected "," or ")"');
  }
  i++; // the call's ")"
  if (text[i] !== ')') fail('expected ")" closing $(');
  return { start: at - 2, end: i + 1, patterns };
}

/** Replaces every `$(hashFiles(…))` with its digest; any other `$(` left is an error. */
export async function evaluateKey(template: string, hashFiles: HashFilesFn): Promise<string> {
  if (template.length > 16 * MAX_KEY_LENGTH)
    throw new CacheKeyError(`cache key template is ${template.length} characters`, template.slice(0, 64));
  let out = '';
  let pos = 0;
  for (;;) {
    const at = template.indexOf('$(', pos);
    if (at < 0) break;
    const call = parseHashFilesCall(template, at + 2, template);
    if (!call) {
      throw new CacheKeyError(
        `cache key "${template}" holds an unresolved reference at column ${at + 1}`,
        template,
        'only $(hashFiles(...)) is evaluated by the agent; params and results must be known when the task starts',
      );
    }
    out += template.slice(pos, call.start) + (await hashFiles(call.patterns));
    pos = call.end;
  }
  return checkKey(out + template.slice(pos));
}

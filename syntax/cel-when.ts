// `when: [{cel: "…"}]` (Kiln and Tekton alike) and a loop's `until: {cel: "…"}`: the expression
// recorded for reference checks and parsed now, so a syntax error is reported with its position.
import { isMap } from 'yaml';
import { checkCel } from './cel.js';
import type { TextReader } from './common.js';
import type { CelCondition } from './model.js';
import type { At } from './yaml-source.js';

/** The `{cel: …}` items of a `when:` list (readWhen reads the others). */
export function readWhenCel(reader: TextReader, at: At | undefined, what: string): CelCondition[] {
  const out: CelCondition[] = [];
  for (const item of reader.src.list(at, what) ?? []) {
    if (!isMap(item.node) || !item.node.items.some((p) => String((p.key as { value?: unknown })?.value) === 'cel'))
      continue;
    const f = reader.src.fields(item, `an item of ${what}`, ['input', 'operator', 'values', 'cel']);
    if (!f) continue;
    if (f.size > 1) {
      reader.src.error(item.pos, `an item of ${what} has cel and input/operator/values`, 'write one form per item');
      continue;
    }
    const cond = readCel(reader, f.get('cel')!, `${what}.cel`);
    if (cond) out.push(cond);
  }
  return out;
}

/** One CEL expression, checked for syntax. */
export function readCel(reader: TextReader, at: At, what: string): CelCondition | undefined {
  const expression = reader.text(at, what);
  if (expression === undefined) return undefined;
  const problem = checkCel(expression);
  if (problem) {
    reader.src.error(
      at.pos,
      `${what}: not a CEL expression: ${problem}`,
      'see https://cel.dev; write e.g. $(params.n) > 3',
    );
    return undefined;
  }
  return { expression, pos: at.pos };
}

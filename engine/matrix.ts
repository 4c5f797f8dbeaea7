// Matrix fan-out: one combination per element of the cartesian product of the parameter lists,
// in a stable order (Kiln's: the first parameter varies slowest; Tekton's: the first varies
// fastest), then Tekton's `include` entries.
import type { MatrixInclude, MatrixOrder } from '../syntax/index.js';

/**
 * The combinations of a matrix, undefined when there is no matrix at all. An include entry adds
 * its other params to every generated combination whose matrix params it matches (all of them
 * when it names none), never overwriting a value; one that matches none, or a matrix of includes
 * only, is a combination of its own, after the generated ones.
 */
export function matrixCombinations(
  matrix: Record<string, string[]> | undefined,
  include: MatrixInclude[] = [],
  order: MatrixOrder = 'lastFastest',
): Record<string, string>[] | undefined {
  const names = Object.keys(matrix ?? {});
  if (names.length === 0 && include.length === 0) return undefined;
  let generated: Record<string, string>[] = names.length ? [{}] : [];
  // The param expanded last varies fastest; each combination keeps the params in their written order.
  const expanded = order === 'firstFastest' ? [...names].reverse() : names;
  for (const param of expanded) {
    generated = generated.flatMap((combo) => matrix![param]!.map((value) => ({ ...combo, [param]: value })));
  }
  if (order === 'firstFastest') generated = generated.map((c) => Object.fromEntries(names.map((n) => [n, c[n]!])));
  const own: Record<string, string>[] = [];
  for (const entry of include) {
    const params = Object.entries(entry.params);
    const keys = params.filter(([k]) => names.includes(k));
    const matching = generated.filter((combo) => keys.every(([k, v]) => combo[k] === v));
    if (matching.length === 0) {
      own.push({ ...entry.params });
      continue;
    }
    for (const combo of matching) for (const [k, v] of params) if (!(k in combo)) combo[k] = v;
  }
  return [...generated, ...own];
}

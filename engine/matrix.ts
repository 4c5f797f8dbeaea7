// Matrix fan-out: one combination per element of the cartesian product of the parameter lists,
// in a stable order (the first parameter varies slowest), then Tekton's `include` entries.
import type { MatrixInclude } from '../syntax/index.js';

/**
 * The combinations of a matrix, undefined when there is no matrix at all. An include entry adds
 * its other params to every generated combination whose matrix params it matches (all of them
 * when it names none), never overwriting a value; one that matches none, or a matrix of includes
 * only, is a combination of its own, after the generated ones.
 */
export function matrixCombinations(
  matrix: Record<string, string[]> | undefined,
  include: MatrixInclude[] = [],
): Record<string, string>[] | undefined {
  const names = Object.keys(matrix ?? {});
  if (names.length === 0 && include.length === 0) return undefined;
  let generated: Record<string, string>[] = names.length ? [{}] : [];
  for (const [param, values] of Object.entries(matrix ?? {})) {
    generated = generated.flatMap((combo) => values.map((value) => ({ ...combo, [param]: value })));
  }
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

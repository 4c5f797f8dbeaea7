// Matrix fan-out: one combination per element of the cartesian product of the parameter lists,
// in a stable order (the first parameter varies slowest), as Tekton does.

export const MATRIX_MAX_COMBINATIONS = 256;

export function matrixCombinations(matrix: Record<string, string[]> | undefined): Record<string, string>[] | undefined {
  if (!matrix || Object.keys(matrix).length === 0) return undefined;
  let combos: Record<string, string>[] = [{}];
  for (const [param, values] of Object.entries(matrix)) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [param]: value })));
  }
  return combos;
}

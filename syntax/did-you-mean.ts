// "did you mean …?" for unknown keys and names: the closest candidate by edit distance.

/** Edit distance where swapping two neighbours counts as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate within a distance that still looks like a typo, if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= limit) [best, bestDistance] = [c, d];
  }
  return best;
}

/** For a Task/Pipeline/StepAction referred to by name and not among the documents read. */
export function missingHint(name: string, candidates: readonly string[]): string {
  const near = closest(name, candidates);
  return `${near ? `did you mean "${near}"? Or p` : 'P'}ass the file that holds it to kiln as well`;
}

/** A hint line: `did you mean "x"?`, else the list of valid choices. */
export function suggest(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  if (near) return `did you mean "${near}"?`;
  return candidates.length ? `expected one of: ${candidates.join(', ')}` : 'nothing is declared here';
}

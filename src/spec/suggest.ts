/** "Did you mean" for misspelt spec fields, enum values, column and parameter names. */

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2 = new Int32Array(n + 1);
  let prev = Int32Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Int32Array(n + 1);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/**
 * The candidate closest to `word`, or undefined when nothing is plausibly a typo of it. Case and the
 * separators users mix up (`max_depth` vs `maxDepth`) are ignored; beyond that up to a third of the
 * characters may differ (at least one, at most three).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const w = norm(word);
  const exact = candidates.find((c) => norm(c) === w);
  if (exact !== undefined) return exact;
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    const cn = norm(c);
    if (Math.abs(cn.length - w.length) > limit) continue;
    const d = editDistance(w, cn);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

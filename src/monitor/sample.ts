import { Random } from "../core/random.js";

/**
 * `k` of the row indices 0..n-1, drawn without replacement with a Random seeded by `seed` (a partial
 * Fisher-Yates shuffle), returned ascending so samples keep the data's order. All of them when k >= n.
 */
export function sampleIndices(n: number, k: number, seed: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (k >= n) return idx;
  const random = new Random(seed);
  for (let i = 0; i < k; i++) {
    const j = i + random.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k).sort();
}

/**
 * Column statistics computed the way NumPy / scikit-learn 1.2 compute them (same formulas, same
 * operation order), so learned state agrees with the reference implementation to rounding.
 */

/** The non-NaN values, sorted ascending (a copy). */
export function sortedPresent(values: Float64Array): Float64Array {
  return present(values).sort();
}

function present(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[k++] = values[i];
  return out;
}

/**
 * numpy.median of the non-NaN values (NaN if there are none), as `medianSorted(sortedPresent(values))`
 * but by selection: the median needs only one or two order statistics, not the whole order.
 */
export function medianPresent(values: Float64Array): number {
  const a = present(values);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  selectNth(a, h);
  if (n % 2 === 1) return a[h];
  // Everything before h is <= a[h], so the other middle value is the largest of them.
  let below = a[0];
  for (let i = 1; i < h; i++) if (a[i] > below) below = a[i];
  return (below + a[h]) / 2;
}

/**
 * Reorders a (no NaN) so that a[k] is its k-th smallest value, with nothing larger before it and nothing
 * smaller after it: Hoare's quickselect with a median-of-three pivot. Past about 2·log2(n) rounds (data
 * built to defeat the pivot) the remaining range is sorted, so the worst case stays O(n log n).
 */
function selectNth(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  let rounds = 2 * Math.ceil(Math.log2(a.length + 1)) + 4;
  while (hi > lo) {
    if (rounds-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and anything strictly between j and i equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * numpy.quantile's default "linear" method on sorted data: virtual index (n - 1)·q, and numpy's lerp that
 * interpolates from the nearer end. NaN for empty input. `q` is a fraction in [0, 1].
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1];
  if (virtual < 0) return sorted[0];
  const below = Math.floor(virtual);
  const gamma = virtual - below;
  const a = sorted[below];
  const b = sorted[below + 1];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** numpy.median: the middle value, or the mean of the two middle values. NaN for empty input. */
export function medianSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/**
 * Mean and population variance of the non-NaN values with scikit-learn's corrected two-pass formula
 * (`_incremental_mean_and_var`): var = (Σ(x-m)² - (Σ(x-m))²/n) / n.
 */
export function meanVariance(values: Float64Array): { mean: number; variance: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  const mean = sum / count;
  let correction = 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v)) {
      const d = v - mean;
      correction += d;
      squares += d * d;
    }
  }
  return { mean, variance: (squares - (correction * correction) / count) / count, count };
}

/** The most frequent value of sorted data; ties go to the smallest (scipy.stats.mode). NaN if empty. */
export function modeSorted(sorted: Float64Array): number {
  let best = Number.NaN;
  let bestCount = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i];
    }
    i = j;
  }
  return best;
}

/** scikit-learn's `_handle_zeros_in_scale`: near-zero scales become 1 so constant columns stay finite. */
export function safeScale(scale: number): number {
  return scale < 10 * Number.EPSILON ? 1 : scale;
}

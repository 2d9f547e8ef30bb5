/**
 * NumPy's summation order (pairwise in blocks of 8, buffered in chunks of 8192), so that means and sums
 * agree with scikit-learn to the last bit. That matters where a tiny rounding difference changes the
 * branch taken, e.g. R² on a constant target whose mean is not exactly representable.
 */
const BLOCK = 128;
const BUFFER = 8192;

function pairwise(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= BLOCK) {
    let r0 = a[start];
    let r1 = a[start + 1];
    let r2 = a[start + 2];
    let r3 = a[start + 3];
    let r4 = a[start + 4];
    let r5 = a[start + 5];
    let r6 = a[start + 6];
    let r7 = a[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = start + i;
      r0 += a[p];
      r1 += a[p + 1];
      r2 += a[p + 2];
      r3 += a[p + 3];
      r4 += a[p + 4];
      r5 += a[p + 5];
      r6 += a[p + 6];
      r7 += a[p + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/** Sum of a[start..end) in the order np.sum uses for a contiguous float64 array. */
export function npSum(a: Float64Array, start = 0, end: number = a.length): number {
  let s = 0;
  for (let c = start; c < end; c += BUFFER) s += pairwise(a, c, Math.min(BUFFER, end - c));
  return s;
}

export function npMean(a: Float64Array): number {
  return npSum(a) / a.length;
}

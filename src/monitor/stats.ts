/**
 * The drift statistics on typed arrays: numeric samples arrive sorted ascending without NaN (see
 * sort.ts), categorical ones as counts per level aligned between the two sides. Each function matches the
 * scipy function named in its comment (golden values in test/golden/drift.json, scripts/golden/drift.py);
 * every pass over the data is a merge of the two sorted arrays, so no test allocates per row.
 */
import { type KsPValue, ks2SampPValue } from "./kolmogorov.js";
import { chi2Sf } from "./special.js";

/** Neumaier-compensated running sum: a million terms stay accurate to a few ulps of the total. */
class Sum {
  #sum = 0;
  #comp = 0;
  add(x: number): void {
    const t = this.#sum + x;
    this.#comp += Math.abs(this.#sum) >= Math.abs(x) ? this.#sum - t + x : x - t + this.#sum;
    this.#sum = t;
  }
  get value(): number {
    return this.#sum + this.#comp;
  }
}

/**
 * The two-sample KS statistic D = sup |F_a - F_b| and its two-sided p-value, as scipy.stats.ks_2samp
 * (method="auto"): exact when both samples have at most 10,000 values, asymptotic otherwise.
 */
export function ks2Samp(a: Float64Array, b: Float64Array): KsPValue {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let max = 0;
  let min = 0;
  // The ECDF difference at every distinct value, after all ties at that value on both sides.
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > max) max = diff;
    else if (diff < min) min = diff;
  }
  const minS = Math.min(-min, 1);
  return ks2SampPValue(Math.max(minS, max), n1, n2);
}

/**
 * The integral of |F_a - F_b|^power between the ECDFs of two sorted samples, over the merge of their
 * values: the Wasserstein distance (power 1) and the energy distance's core (power 2) share it.
 */
function ecdfGapIntegral(a: Float64Array, b: Float64Array, power: 1 | 2): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  const area = new Sum();
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    if (i === n1 && j === n2) break;
    const next = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    const d = i / n1 - j / n2;
    area.add((power === 1 ? Math.abs(d) : d * d) * (next - v));
  }
  return area.value;
}

/** scipy.stats.wasserstein_distance (1-D, unweighted): the area between the two ECDFs. */
export function wassersteinDistance(a: Float64Array, b: Float64Array): number {
  return ecdfGapIntegral(a, b, 1);
}

/**
 * scipy.stats.energy_distance (1-D, unweighted): sqrt(2) times the L2 distance between the two ECDFs,
 * sqrt(2 * integral (F_a - F_b)^2), over the same merge as the Wasserstein distance.
 */
export function energyDistance(a: Float64Array, b: Float64Array): number {
  return Math.sqrt(2 * ecdfGapIntegral(a, b, 2));
}

/** numpy.std (population, ddof = 0). */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  const total = new Sum();
  for (let i = 0; i < n; i++) total.add(values[i]);
  const mean = total.value / n;
  const squares = new Sum();
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    squares.add(d * d);
  }
  return Math.sqrt(squares.value / n);
}

/**
 * Evidently's normed Wasserstein distance: the distance in units of the reference's standard deviation
 * (floored at 0.001 so a constant reference does not divide by zero).
 */
export function wassersteinNormed(reference: Float64Array, current: Float64Array): number {
  return wassersteinDistance(reference, current) / Math.max(populationStd(reference), 0.001);
}

export interface Chi2Result {
  statistic: number;
  pValue: number;
  dof: number;
}

/**
 * scipy.stats.chi2_contingency on the 2 x k table [reference counts; current counts] with its default
 * Yates correction, which scipy applies only at one degree of freedom (k = 2). Levels absent from both
 * sides are dropped first; both sides must have at least one count.
 */
export function chi2Contingency(reference: ArrayLike<number>, current: ArrayLike<number>): Chi2Result {
  const r: number[] = [];
  const c: number[] = [];
  for (let k = 0; k < reference.length; k++) {
    if (reference[k] + current[k] > 0) {
      r.push(reference[k]);
      c.push(current[k]);
    }
  }
  const k = r.length;
  const dof = k - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  let nr = 0;
  let nc = 0;
  for (let l = 0; l < k; l++) {
    nr += r[l];
    nc += c[l];
  }
  const total = nr + nc;
  const stat = new Sum();
  for (const [row, rowTotal] of [
    [r, nr],
    [c, nc],
  ] as const) {
    for (let l = 0; l < k; l++) {
      const expected = (rowTotal * (r[l] + c[l])) / total;
      let observed = row[l];
      if (dof === 1) {
        const diff = expected - observed;
        observed += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      stat.add((observed - expected) ** 2 / expected);
    }
  }
  const statistic = stat.value;
  return { statistic, pValue: chi2Sf(statistic, dof), dof };
}

/** scipy.special.rel_entr. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

function normalised(p: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i];
  return Float64Array.from(p, (v) => v / s);
}

/** scipy.spatial.distance.jensenshannon(p, q) with the natural logarithm (its default base). */
export function jensenShannonDistance(p0: ArrayLike<number>, q0: ArrayLike<number>): number {
  const p = normalised(p0);
  const q = normalised(q0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    left += relEntr(p[i], m);
    right += relEntr(q[i], m);
  }
  return Math.sqrt((left + right) / 2);
}

/** scipy.stats.entropy(p, q): the Kullback–Leibler divergence of q from p, natural logarithm. */
export function klDivergence(p0: ArrayLike<number>, q0: ArrayLike<number>): number {
  const p = normalised(p0);
  const q = normalised(q0);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += relEntr(p[i], q[i]);
  return s;
}

/** The Hellinger distance between two share vectors: sqrt(sum (sqrt p - sqrt q)^2) / sqrt 2, in [0, 1]. */
export function hellingerDistance(p0: ArrayLike<number>, q0: ArrayLike<number>): number {
  const p = normalised(p0);
  const q = normalised(q0);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (Math.sqrt(p[i]) - Math.sqrt(q[i])) ** 2;
  return Math.sqrt(s) / Math.SQRT2;
}

/** Population stability index, Evidently's formula: sum (r - c) ln(r / c) over the bins' shares. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) {
    s += (reference[i] - current[i]) * Math.log(reference[i] / current[i]);
  }
  return s;
}

/** Number of distinct values in a sorted array, counting at most `limit + 1` of them. */
export function distinctSorted(a: Float64Array, limit = Number.POSITIVE_INFINITY): number {
  if (a.length === 0) return 0;
  let count = 1;
  for (let i = 1; i < a.length && count <= limit; i++) if (a[i] !== a[i - 1]) count++;
  return count;
}

/** Distinct values of the union of two sorted arrays, with each side's count per value. */
export function distinctCounts(
  a: Float64Array,
  b: Float64Array,
): { values: Float64Array; a: Float64Array; b: Float64Array } {
  const values: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i] <= v) i++;
    while (j < b.length && b[j] <= v) j++;
    values.push(v);
    ca.push(i - i0);
    cb.push(j - j0);
  }
  return { values: Float64Array.from(values), a: Float64Array.from(ca), b: Float64Array.from(cb) };
}

/** Values of sorted `a` strictly below x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Values of sorted `a` at most x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * numpy.histogram_bin_edges(concat(a, b), bins="sturges"): equal-width bins over the combined range,
 * ceil(range / (range / (log2 n + 1))) of them, computed with numpy's very operations so the edges (and
 * hence the counts) are the same doubles.
 */
export function sturgesEdges(a: Float64Array, b: Float64Array): Float64Array {
  const lo = Math.min(a[0], b[0]);
  const hi = Math.max(a[a.length - 1], b[b.length - 1]);
  const ptp = hi - lo;
  const width = ptp / (Math.log2(a.length + b.length) + 1);
  const bins = width ? Math.ceil(ptp / width) : 1;
  let first = lo;
  let last = hi;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** numpy.histogram(sorted, edges) counts: half-open bins, the last one closed. */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const end = i === k - 1 ? upperBound(sorted, edges[k]) : lowerBound(sorted, edges[i + 1]);
    counts[i] = end - lowerBound(sorted, edges[i]);
  }
  return counts;
}

/**
 * Evidently's treatment of empty bins for PSI and KL (get_binned_data with feel_zeroes): a zero share
 * becomes 0.0001, or a millionth of the smallest non-zero share when that is at most 0.0001, so that the
 * logarithms stay finite.
 */
export function fillZeroShares(shares: Float64Array): Float64Array {
  let min = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

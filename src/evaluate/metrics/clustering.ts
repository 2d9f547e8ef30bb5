/** Internal cluster-quality metrics (Euclidean), computed from the features and the cluster labels. */
import { Frame } from "../../core/frame.js";
import { encodeLabels, type LabelInput, metricError } from "./labels.js";
import { npSum } from "./sum.js";

/** Column-major numeric matrix, the layout of `Frame.toMatrix()`. */
export interface Matrix {
  data: Float64Array;
  nRows: number;
  nCols: number;
}

/** Row-major copy, so the pair kernel walks memory contiguously. */
function rowMajor(X: Frame | Matrix): { data: Float64Array; n: number; d: number } {
  const m = X instanceof Frame ? X.toMatrix() : X;
  const { nRows: n, nCols: d } = m;
  const out = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) {
      const v = m.data[j * n + i];
      if (!Number.isFinite(v)) {
        throw metricError(
          `feature ${j} of row ${i} is missing or infinite`,
          "impute the features before scoring clusters",
          "E_METRIC_MISSING_VALUE",
        );
      }
      out[i * d + j] = v;
    }
  }
  return { data: out, n, d };
}

/** Labels renumbered 0..k-1 in sorted order of the present codes (sklearn's LabelEncoder). */
function denseLabels(labels: LabelInput, n: number): { labels: Int32Array; k: number; sizes: Float64Array } {
  const { codes } = encodeLabels(labels, "labels");
  if (codes.length !== n) throw metricError(`labels have ${codes.length} rows but X has ${n}`);
  const present = [...new Set(codes)].sort((a, b) => a - b);
  const k = present.length;
  if (!(k >= 2 && k <= n - 1)) {
    throw metricError(
      `the number of clusters is ${k}; it must be between 2 and n_samples - 1 (${n - 1})`,
      "score a clustering with at least two clusters and fewer clusters than rows",
      "E_METRIC_UNDEFINED",
    );
  }
  const index = new Map(present.map((c, j) => [c, j]));
  const dense = new Int32Array(n);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    dense[i] = index.get(codes[i])!;
    sizes[dense[i]]++;
  }
  return { labels: dense, k, sizes };
}

/**
 * Mean silhouette coefficient, O(n² d) time and O(n k) memory: each pair distance is computed once and
 * added to both rows' per-cluster sums. Samples in singleton clusters score 0.
 */
export function silhouetteScore(X: Frame | Matrix, labels: LabelInput): number {
  const { data, n, d } = rowMajor(X);
  const { labels: lab, k, sizes } = denseLabels(labels, n);
  const sums = new Float64Array(n * k);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    const li = lab[i];
    row.set(sums.subarray(i * k, i * k + k));
    for (let j = i + 1, oj = oi + d; j < n; j++, oj += d) {
      let s = 0;
      for (let f = 0; f < d; f++) {
        const diff = data[oi + f] - data[oj + f];
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      row[lab[j]] += dist;
      sums[j * k + li] += dist;
    }
    sums.set(row, i * k);
  }
  const sil = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const li = lab[i];
    const a = sums[i * k + li] / (sizes[li] - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== li) b = Math.min(b, sums[i * k + c] / sizes[c]);
    const s = (b - a) / Math.max(a, b);
    // NaN for a singleton cluster (0/0) or coincident points: sklearn's nan_to_num makes those 0.
    sil[i] = Number.isNaN(s) ? 0 : s;
  }
  return npSum(sil) / n;
}

const allClose0 = (a: Float64Array): boolean => a.every((v) => Math.abs(v) <= 1e-8);

/** Davies-Bouldin index: mean over clusters of the worst (s_i + s_j) / d(c_i, c_j). Lower is better. */
export function daviesBouldinScore(X: Frame | Matrix, labels: LabelInput): number {
  const { data, n, d } = rowMajor(X);
  const { labels: lab, k, sizes } = denseLabels(labels, n);
  const centroids = new Float64Array(k * d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) centroids[lab[i] * d + f] += data[i * d + f];
  for (let c = 0; c < k; c++) for (let f = 0; f < d; f++) centroids[c * d + f] /= sizes[c];
  const intra = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = lab[i];
    let s = 0;
    for (let f = 0; f < d; f++) s += (data[i * d + f] - centroids[c * d + f]) ** 2;
    intra[c] += Math.sqrt(s);
  }
  for (let c = 0; c < k; c++) intra[c] /= sizes[c];
  const between = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += (centroids[a * d + f] - centroids[b * d + f]) ** 2;
      between[a * k + b] = Math.sqrt(s);
    }
  }
  if (allClose0(intra) || allClose0(between)) return 0;
  const worst = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let b = 0; b < k; b++) {
      const dist = between[a * k + b];
      m = Math.max(m, (intra[a] + intra[b]) / (dist === 0 ? Number.POSITIVE_INFINITY : dist));
    }
    worst[a] = m;
  }
  return npSum(worst) / k;
}

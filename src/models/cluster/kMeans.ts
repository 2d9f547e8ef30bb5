/**
 * k-means clustering (sklearn 1.2's KMeans with algorithm="lloyd"): nInit runs of Lloyd iterations from
 * greedy k-means++ (or random) seeds, keeping the run with the lowest inertia. Like sklearn the data are
 * centred before clustering, tol is relative to the mean feature variance, empty clusters are refilled
 * with the points farthest from their centres, and a run that stops on tol (rather than on unchanged
 * labels) gets a final assignment step so labels match the returned centres.
 *
 * The random streams cannot match numpy's, so individual runs differ from sklearn; the best of nInit
 * good seeds normally reaches the same optimum.
 */
import { MlshipError, NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame } from "../../core/frame.js";
import type { EstimatorJSON, Predictor } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { Random } from "../../core/random.js";
import { featureMatrix, invalidParam, rowMajor } from "../input.js";

export type KMeansParams = {
  nClusters: number;
  init: "k-means++" | "random";
  /** Independent runs; the one with the lowest inertia wins (sklearn 1.2's default of 10). */
  nInit: number;
  maxIter: number;
  /** Convergence on the summed squared centre shift, relative to the mean feature variance. */
  tol: number;
  /** Seed of the initialisations (sklearn's default is unseeded; mlship runs reproduce by default). */
  randomState: number;
};

export interface KMeansState {
  featureNames: string[];
  /** nClusters x features, in the original (uncentred) units. */
  clusterCenters: number[][];
  /** Cluster id of every training row. */
  labels: number[];
  /** Sum of squared distances of the training rows to their cluster centre. */
  inertia: number;
  /** Lloyd iterations of the winning run. */
  nIter: number;
}

const KIND = "kMeans";

export class KMeans implements Predictor<KMeansParams, KMeansState> {
  readonly kind = KIND;
  readonly task = "clustering" as const;
  readonly params: Readonly<KMeansParams>;
  #state: KMeansState | null;

  constructor(params: Partial<KMeansParams> = {}, state: KMeansState | null = null) {
    const p: KMeansParams = {
      nClusters: params.nClusters ?? 8,
      init: params.init ?? "k-means++",
      nInit: params.nInit ?? 10,
      maxIter: params.maxIter ?? 300,
      tol: params.tol ?? 1e-4,
      randomState: params.randomState ?? 0,
    };
    if (!(Number.isInteger(p.nClusters) && p.nClusters > 0))
      throw invalidParam(KIND, "nClusters", p.nClusters, "a positive integer");
    if (p.init !== "k-means++" && p.init !== "random")
      throw invalidParam(KIND, "init", p.init, '"k-means++" or "random"');
    if (!(Number.isInteger(p.nInit) && p.nInit > 0))
      throw invalidParam(KIND, "nInit", p.nInit, "a positive integer");
    if (!(Number.isInteger(p.maxIter) && p.maxIter > 0))
      throw invalidParam(KIND, "maxIter", p.maxIter, "a positive integer");
    if (!(p.tol >= 0)) throw invalidParam(KIND, "tol", p.tol, "a number >= 0");
    if (!Number.isInteger(p.randomState))
      throw invalidParam(KIND, "randomState", p.randomState, "an integer seed");
    this.params = Object.freeze(p);
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): KMeansState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  fit(X: Frame, _y?: Column): this {
    const m = featureMatrix(X, KIND);
    const { nRows: n, nCols: p } = m;
    const k = this.params.nClusters;
    if (k > n) {
      throw new MlshipError({
        what: `${KIND} cannot find nClusters=${k} clusters in ${n} rows`,
        where: "params.nClusters",
        fix: `lower nClusters to at most ${n} or cluster more rows`,
        code: "E_MODEL_TOO_FEW_ROWS",
      });
    }
    const x = rowMajor(m);
    const mean = new Float64Array(p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += x[i * p + j];
    for (let j = 0; j < p; j++) mean[j] /= n;
    let varSum = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) {
        x[i * p + j] -= mean[j];
        varSum += x[i * p + j] ** 2;
      }
    }
    const tol = (varSum / n / p) * this.params.tol;
    const rng = new Random(this.params.randomState);
    let best: LloydResult | null = null;
    for (let run = 0; run < this.params.nInit; run++) {
      const seeds =
        this.params.init === "k-means++" ? kMeansPlusPlus(x, n, p, k, rng) : randomSeeds(x, n, p, k, rng);
      const r = lloyd(x, n, p, k, seeds, this.params.maxIter, tol);
      if (best === null || r.inertia < best.inertia) best = r;
    }
    const b = best as LloydResult;
    const centers: number[][] = [];
    for (let c = 0; c < k; c++)
      centers.push(Array.from(b.centers.subarray(c * p, (c + 1) * p), (v, j) => v + mean[j]));
    this.#state = {
      featureNames: [...X.names],
      clusterCenters: centers,
      labels: Array.from(b.labels),
      inertia: b.inertia,
      nIter: b.nIter,
    };
    return this;
  }

  /** Squared distances of every row to every centre (row-major n x nClusters) and the nearest centre. */
  #nearest(X: Frame): { d2: Float64Array; labels: Int32Array; n: number } {
    const s = this.state;
    const m = featureMatrix(X, KIND, s.featureNames);
    const p = m.nCols;
    const k = s.clusterCenters.length;
    const centers = new Float64Array(k * p);
    s.clusterCenters.forEach((c, i) => {
      centers.set(c, i * p);
    });
    const d2 = squaredDistances(rowMajor(m), m.nRows, p, centers, k);
    return { d2, labels: argminRows(d2, m.nRows, k), n: m.nRows };
  }

  /** Cluster ids "0".."nClusters-1" of the nearest centre. */
  predict(X: Frame): Column {
    const { labels } = this.#nearest(X);
    return categorical(labels, clusterIds(this.state.clusterCenters.length));
  }

  /** Euclidean distance of every row to every centre, row-major n x nClusters (sklearn's transform). */
  distances(X: Frame): Float64Array {
    return this.#nearest(X).d2.map(Math.sqrt);
  }

  /** Negative inertia of X with respect to the fitted centres. */
  score(X: Frame, _y?: Column): number {
    const { d2, labels, n } = this.#nearest(X);
    const k = this.state.clusterCenters.length;
    let inertia = 0;
    for (let i = 0; i < n; i++) inertia += d2[i * k + labels[i]];
    return -inertia;
  }

  toJSON(): EstimatorJSON<KMeansParams, KMeansState> {
    return {
      kind: KIND,
      params: { ...this.params },
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }

  static fromJSON(json: EstimatorJSON): KMeans {
    return new KMeans(json.params as Partial<KMeansParams>, json.state as KMeansState | null);
  }
}

function clusterIds(k: number): string[] {
  return Array.from({ length: k }, (_, i) => String(i));
}

interface LloydResult {
  centers: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

function squaredDistances(
  x: Float64Array,
  n: number,
  p: number,
  centers: Float64Array,
  k: number,
): Float64Array {
  const d2 = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const xo = i * p;
    for (let c = 0; c < k; c++) {
      const co = c * p;
      let s = 0;
      for (let j = 0; j < p; j++) {
        const e = x[xo + j] - centers[co + j];
        s += e * e;
      }
      d2[i * k + c] = s;
    }
  }
  return d2;
}

/** Index of the smallest entry of each row (the first on ties). */
function argminRows(d2: Float64Array, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (d2[i * k + c] < d2[i * k + best]) best = c;
    labels[i] = best;
  }
  return labels;
}

function lloyd(
  x: Float64Array,
  n: number,
  p: number,
  k: number,
  seeds: Float64Array,
  maxIter: number,
  tol: number,
): LloydResult {
  let centers = seeds;
  let labels: Int32Array = new Int32Array(n);
  const labelsOld = new Int32Array(n).fill(-1);
  let converged = false;
  let it = 0;
  for (; it < maxIter; it++) {
    const d2 = squaredDistances(x, n, p, centers, k);
    labels = argminRows(d2, n, k);
    const next = updateCenters(x, n, p, k, labels, centers, d2);
    let shift = 0;
    for (let i = 0; i < k * p; i++) shift += (next[i] - centers[i]) ** 2;
    centers = next;
    if (labels.every((l, i) => l === labelsOld[i])) {
      converged = true;
      break;
    }
    if (shift <= tol) break;
    labelsOld.set(labels);
  }
  const d2 = squaredDistances(x, n, p, centers, k);
  // After a tol stop the centres moved once more; reassign so labels belong to the returned centres.
  if (!converged) labels = argminRows(d2, n, k);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += d2[i * k + labels[i]];
  return { centers, labels, inertia, nIter: Math.min(it + 1, maxIter) };
}

/** New centres as cluster means; an empty cluster takes over the point farthest from its current centre. */
function updateCenters(
  x: Float64Array,
  n: number,
  p: number,
  k: number,
  labels: Int32Array,
  old: Float64Array,
  d2: Float64Array,
): Float64Array {
  const sums = new Float64Array(k * p);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    for (let j = 0; j < p; j++) sums[c * p + j] += x[i * p + j];
  }
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length > 0) {
    const far = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => d2[b * k + labels[b]] - d2[a * k + labels[a]])
      .slice(0, empty.length);
    empty.forEach((c, e) => {
      const i = far[e];
      const from = labels[i];
      for (let j = 0; j < p; j++) {
        sums[from * p + j] -= x[i * p + j];
        sums[c * p + j] = x[i * p + j];
      }
      counts[from]--;
      counts[c] = 1;
    });
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) sums.set(old.subarray(c * p, (c + 1) * p), c * p);
    else for (let j = 0; j < p; j++) sums[c * p + j] /= counts[c];
  }
  return sums;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii; sklearn's variant): each new centre is the best, by resulting
 * potential, of 2 + floor(ln k) candidates drawn with probability proportional to squared distance.
 */
function kMeansPlusPlus(x: Float64Array, n: number, p: number, k: number, rng: Random): Float64Array {
  const centers = new Float64Array(k * p);
  const first = rng.int(n);
  centers.set(x.subarray(first * p, (first + 1) * p), 0);
  let closest = squaredDistances(x, n, p, centers.subarray(0, p), 1);
  let pot = closest.reduce((a, b) => a + b, 0);
  const trials = 2 + Math.floor(Math.log(k));
  const cum = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cum[i] = acc;
    }
    let bestPot = Number.POSITIVE_INFINITY;
    let bestId = 0;
    let bestDist = closest;
    for (let t = 0; t < trials; t++) {
      const id = Math.min(searchSorted(cum, rng.next() * pot), n - 1);
      const d = squaredDistances(x, n, p, x.subarray(id * p, (id + 1) * p), 1);
      let candPot = 0;
      for (let i = 0; i < n; i++) {
        if (closest[i] < d[i]) d[i] = closest[i];
        candPot += d[i];
      }
      if (candPot < bestPot) {
        bestPot = candPot;
        bestId = id;
        bestDist = d;
      }
    }
    pot = bestPot;
    closest = bestDist;
    centers.set(x.subarray(bestId * p, (bestId + 1) * p), c * p);
  }
  return centers;
}

/** First index whose cumulative sum reaches v (numpy's searchsorted, side "left"). */
function searchSorted(cum: Float64Array, v: number): number {
  let lo = 0;
  let hi = cum.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function randomSeeds(x: Float64Array, n: number, p: number, k: number, rng: Random): Float64Array {
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const centers = new Float64Array(k * p);
  for (let c = 0; c < k; c++) centers.set(x.subarray(order[c] * p, (order[c] + 1) * p), c * p);
  return centers;
}

registerKind(KIND, KMeans.fromJSON);

/**
 * The CART kernel: scikit-learn 1.2's depth-first builder with its best splitter, on flat typed arrays.
 *
 * It follows sklearn step by step where that decides the tree: X in float32, the same candidate-feature
 * draw (Fisher-Yates with sklearn's xorshift generator, skipping features found constant, known constants
 * handed down to children), values closer than 1e-7 treated as equal, thresholds at `a/2 + b/2`, the same
 * impurity formulas, proxies and strict `>` comparison, so with the same seed the same tree comes out.
 * Where sklearn sorts each node's samples with introsort, we radix-sort large nodes by a precomputed
 * per-feature rank (O(n) per node instead of O(n log n)) and, for classification on features with few
 * distinct values in the node, skip sorting and sum class weights per rank. Only the order among equal
 * values differs from sklearn; no split can tell it apart, except that regression sums it in another
 * order, so near-ties equal up to rounding may resolve differently.
 *
 * This module is self-contained (no imports) so forest worker threads can load it alone.
 */

/** Leaf marker in `left`/`right` and in `feature`/`threshold`, as in sklearn's tree arrays. */
export const TREE_LEAF = -1;
export const TREE_UNDEFINED = -2;

export type Criterion = "gini" | "entropy" | "squaredError";

/** Training data shared by every tree of a fit (and, in a forest, by every worker thread). */
export interface TrainData {
  /** Column-major nRows x nFeatures, already rounded to float32 like sklearn's DTYPE. */
  X: Float32Array;
  /** Column-major dense ranks of X within each feature (equal values share a rank). */
  ranks: Int32Array;
  nRows: number;
  nFeatures: number;
  /** Class index per row (classification) or target value (regression). */
  yClass: Int32Array | null;
  yValue: Float64Array | null;
  /** Number of classes; 1 for regression. */
  nOutputs: number;
}

export interface GrowOptions {
  criterion: Criterion;
  /** Integer; sklearn's int32 max when unlimited. */
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Number of candidate features per node (resolved from sqrt/log2/fraction). */
  maxFeatures: number;
}

/** One fitted tree in sklearn's array layout; node 0 is the root, nodes are numbered in preorder. */
export interface TreeArrays {
  nodeCount: number;
  maxDepth: number;
  /** Columns of `value` per node: class count for classification, 1 for regression. */
  nOutputs: number;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  nNodeSamples: Int32Array;
  weightedNNodeSamples: Float64Array;
  impurity: Float64Array;
  /** nodeCount x nOutputs: weighted class counts (classification) or the mean target (regression). */
  value: Float64Array;
}

export const FEATURE_THRESHOLD = Math.fround(1e-7);
const EPSILON = 2.220446049250313e-16;
/** sklearn's rand_r keeps draws below 2^31. */
const RAND_R_MAX = 0x7fffffff;
/**
 * sklearn's rand_int(low, high, &state): its xorshift rand_r, so a seed draws the same features, in the
 * same order, as scikit-learn's trees do. Both tree builders (exact and binned) draw through it.
 */
export function sklearnRandInt(seed: number): (low: number, high: number) => number {
  let rand = seed >>> 0;
  return (low, high) => {
    rand = (rand ^ (rand << 13)) >>> 0;
    rand = (rand ^ (rand >>> 17)) >>> 0;
    rand = (rand ^ (rand << 5)) >>> 0;
    return low + ((rand & RAND_R_MAX) % (high - low));
  };
}

export const MAX_DEPTH_UNLIMITED = 2147483647;
const INSERTION_SORT_MAX = 16;
const RADIX_MIN = 256;
const BUCKET_MAX = 1 << 12;
const RADIX_BITS_MAX = 11;
const LOG2 = Math.log(2);

/**
 * Dense ranks of each feature column, for the radix sort in the splitter. The float32 bit patterns,
 * flipped so unsigned order is numeric order, are radix-sorted once per feature.
 */
export function computeRanks(X: Float32Array, nRows: number, nFeatures: number): Int32Array {
  const ranks = new Int32Array(nRows * nFeatures);
  const bits = new Uint32Array(X.buffer, X.byteOffset, X.length);
  let keys = new Uint32Array(nRows);
  let keysTmp = new Uint32Array(nRows);
  let idx = new Int32Array(nRows);
  let idxTmp = new Int32Array(nRows);
  const hist = new Int32Array(1 << RADIX_BITS_MAX);
  for (let f = 0; f < nFeatures; f++) {
    const base = f * nRows;
    for (let i = 0; i < nRows; i++) {
      const u = bits[base + i];
      keys[i] = (u & 0x80000000 ? ~u : u | 0x80000000) >>> 0;
      idx[i] = i;
    }
    for (let shift = 0; shift < 32; shift += RADIX_BITS_MAX) {
      hist.fill(0);
      const mask = (1 << RADIX_BITS_MAX) - 1;
      for (let i = 0; i < nRows; i++) hist[(keys[i] >>> shift) & mask]++;
      let acc = 0;
      for (let b = 0; b < hist.length; b++) {
        const c = hist[b];
        hist[b] = acc;
        acc += c;
      }
      for (let i = 0; i < nRows; i++) {
        const at = hist[(keys[i] >>> shift) & mask]++;
        keysTmp[at] = keys[i];
        idxTmp[at] = idx[i];
      }
      [keys, keysTmp] = [keysTmp, keys];
      [idx, idxTmp] = [idxTmp, idx];
    }
    let rank = -1;
    let prev = Number.NaN;
    for (let k = 0; k < nRows; k++) {
      const i = idx[k];
      const v = X[base + i];
      if (v !== prev) rank++; // -0 and +0 are adjacent and equal, so they share a rank
      prev = v;
      ranks[base + i] = rank;
    }
  }
  return ranks;
}

/** Sorts values[lo:hi] ascending, carrying samples along (median-of-3 quicksort, insertion at the leaves). */
export function quickSort(values: Float32Array, samples: Int32Array, lo: number, hi: number): void {
  while (hi - lo > INSERTION_SORT_MAX) {
    const a = values[lo];
    const b = values[(lo + hi) >>> 1];
    const c = values[hi - 1];
    // median of three
    const pivot = a < b ? (b < c ? b : Math.max(a, c)) : a < c ? a : Math.max(b, c);
    // three-way partition: [lo, l) < pivot, [l, i) == pivot, [r, hi) > pivot
    let l = lo;
    let i = lo;
    let r = hi;
    while (i < r) {
      const v = values[i];
      if (v < pivot) {
        const s = samples[i];
        values[i] = values[l];
        samples[i] = samples[l];
        values[l] = v;
        samples[l] = s;
        i++;
        l++;
      } else if (v > pivot) {
        r--;
        const s = samples[i];
        values[i] = values[r];
        samples[i] = samples[r];
        values[r] = v;
        samples[r] = s;
      } else i++;
    }
    if (l - lo < hi - r) {
      quickSort(values, samples, lo, l);
      lo = r;
    } else {
      quickSort(values, samples, r, hi);
      hi = l;
    }
  }
  for (let q = lo + 1; q < hi; q++) {
    const v = values[q];
    const s = samples[q];
    let r = q - 1;
    while (r >= lo && values[r] > v) {
      values[r + 1] = values[r];
      samples[r + 1] = samples[r];
      r--;
    }
    values[r + 1] = v;
    samples[r + 1] = s;
  }
}

/** Growable flat node storage; `finish` copies the tree out, so one store serves tree after tree (also used by binned-cart.ts). */
export class NodeStore {
  count = 0;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  nNodeSamples: Int32Array;
  weighted: Float64Array;
  impurity: Float64Array;
  value: Float64Array;

  constructor(
    readonly nOutputs: number,
    capacity: number,
  ) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.nNodeSamples = new Int32Array(capacity);
    this.weighted = new Float64Array(capacity);
    this.impurity = new Float64Array(capacity);
    this.value = new Float64Array(capacity * nOutputs);
  }

  add(): number {
    if (this.count === this.feature.length) this.#grow(this.count * 2);
    return this.count++;
  }

  #grow(cap: number): void {
    const g = <T extends Int32Array | Float64Array>(a: T, size: number): T => {
      const b = new (a.constructor as { new (n: number): T })(size);
      b.set(a);
      return b;
    };
    this.feature = g(this.feature, cap);
    this.threshold = g(this.threshold, cap);
    this.left = g(this.left, cap);
    this.right = g(this.right, cap);
    this.nNodeSamples = g(this.nNodeSamples, cap);
    this.weighted = g(this.weighted, cap);
    this.impurity = g(this.impurity, cap);
    this.value = g(this.value, cap * this.nOutputs);
  }

  finish(maxDepth: number): TreeArrays {
    const c = this.count;
    this.count = 0;
    return {
      nodeCount: c,
      maxDepth,
      nOutputs: this.nOutputs,
      feature: this.feature.slice(0, c),
      threshold: this.threshold.slice(0, c),
      left: this.left.slice(0, c),
      right: this.right.slice(0, c),
      nNodeSamples: this.nNodeSamples.slice(0, c),
      weightedNNodeSamples: this.weighted.slice(0, c),
      impurity: this.impurity.slice(0, c),
      value: this.value.slice(0, c * this.nOutputs),
    };
  }
}

/**
 * Working arrays of growTree, kept between trees of the same size: a forest grows hundreds of trees on
 * the same rows, and fresh arrays for each would cost more in page faults and zeroing than many nodes'
 * split searches. Taken out while a tree grows and put back only when it finished, so a tree that threw
 * leaves nothing half-used behind (the bucket arrays must be all zeros between uses).
 */
interface Scratch {
  n: number;
  p: number;
  K: number;
  samples: Int32Array;
  ones: Float64Array;
  features: Int32Array;
  constantFeatures: Int32Array;
  Xf: Float32Array;
  keyA: Int32Array;
  keyB: Int32Array;
  sampA: Int32Array;
  sampB: Int32Array;
  hist: Int32Array;
  bucketCount: Int32Array;
  bucketSample: Int32Array;
  bucketWeight: Float64Array;
  bucketClass: Float64Array;
  store: NodeStore;
}

let spare: Scratch | null = null;

function takeScratch(n: number, p: number, K: number, classification: boolean): Scratch {
  const s = spare;
  spare = null;
  if (s !== null && s.n === n && s.p === p && s.K === K && s.bucketCount.length > 0 === classification)
    return s;
  const buckets = classification ? BUCKET_MAX : 0;
  return {
    n,
    p,
    K,
    samples: new Int32Array(n),
    ones: new Float64Array(0),
    features: new Int32Array(p),
    constantFeatures: new Int32Array(p),
    Xf: new Float32Array(n),
    keyA: new Int32Array(n),
    keyB: new Int32Array(n),
    sampA: new Int32Array(n),
    sampB: new Int32Array(n),
    hist: new Int32Array(1 << RADIX_BITS_MAX),
    bucketCount: new Int32Array(buckets),
    bucketSample: new Int32Array(buckets),
    bucketWeight: new Float64Array(buckets),
    bucketClass: new Float64Array(buckets * K),
    store: new NodeStore(K, Math.max(16, Math.min(2 * n, 1024))),
  };
}

/**
 * Grows one tree. `sampleWeight` (null = all ones) is how a forest passes its bootstrap: rows drawn k
 * times weigh k, undrawn rows are left out, as in sklearn. `seed` seeds sklearn's xorshift generator
 * that draws the candidate features.
 */
export function growTree(
  data: TrainData,
  opts: GrowOptions,
  sampleWeight: Float64Array | null,
  seed: number,
): TreeArrays {
  const { X, ranks, nRows: n, nFeatures: p, yClass, yValue, nOutputs: K } = data;
  const classification = opts.criterion !== "squaredError";
  const entropy = opts.criterion === "entropy";
  const minLeaf = opts.minSamplesLeaf;
  // sklearn: min_samples_split = max(min_samples_split, 2 * min_samples_leaf)
  const minSplit = Math.max(opts.minSamplesSplit, 2 * minLeaf);
  const maxFeatures = opts.maxFeatures;
  const randInt = sklearnRandInt(seed);

  const scratch = takeScratch(n, p, K, classification);
  const { samples, features, constantFeatures, Xf, keyA, keyB, sampA, sampB, hist, store } = scratch;
  const { bucketCount, bucketSample, bucketWeight, bucketClass } = scratch;
  if (sampleWeight === null && scratch.ones.length !== n) scratch.ones = new Float64Array(n).fill(1);
  const w = sampleWeight ?? scratch.ones;
  let nSamples = 0;
  let weightedNSamples = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] !== 0) samples[nSamples++] = i;
    weightedNSamples += w[i];
  }

  for (let f = 0; f < p; f++) features[f] = f;
  const sumTotal = new Float64Array(K);
  const sumLeft = new Float64Array(K);
  let weightedNNode = 0;
  let sqSumTotal = 0;

  /** sklearn's criterion.init: totals over samples[start:end]. */
  const nodeReset = (start: number, end: number): void => {
    sumTotal.fill(0);
    weightedNNode = 0;
    sqSumTotal = 0;
    if (classification) {
      for (let q = start; q < end; q++) {
        const i = samples[q];
        sumTotal[yClass![i]] += w[i];
        weightedNNode += w[i];
      }
    } else {
      for (let q = start; q < end; q++) {
        const i = samples[q];
        const wy = w[i] * yValue![i];
        sumTotal[0] += wy;
        sqSumTotal += wy * yValue![i];
        weightedNNode += w[i];
      }
    }
  };

  const classImpurity = (counts: Float64Array, total: Float64Array | null, wt: number): number => {
    // counts of one side; when `total` is given the side is total - counts
    if (entropy) {
      let e = 0;
      for (let c = 0; c < K; c++) {
        let ck = total === null ? counts[c] : total[c] - counts[c];
        if (ck > 0) {
          ck /= wt;
          e -= ck * (Math.log(ck) / LOG2);
        }
      }
      return e;
    }
    let sq = 0;
    for (let c = 0; c < K; c++) {
      const ck = total === null ? counts[c] : total[c] - counts[c];
      sq += ck * ck;
    }
    return 1.0 - sq / (wt * wt);
  };

  const nodeImpurity = (): number => {
    if (classification) return classImpurity(sumTotal, null, weightedNNode);
    const mean = sumTotal[0] / weightedNNode;
    return sqSumTotal / weightedNNode - mean * mean;
  };

  // bucket*: per-rank class weights for features with few distinct values in the node (one-hot columns,
  // counts). Buckets in use are [bucketLo, bucketHi).
  let bucketLo = 0;
  let bucketHi = 0;
  let bucketMin = 0;
  let bucketMax = 0;

  /**
   * Prepares feature f on samples[start:end] for the threshold scan. Usually sorts the samples and fills
   * Xf[start:end] with the sorted values (returns false). For classification with few distinct values it
   * instead sums class weights per rank (returns true): a scan over those buckets visits the same
   * thresholds with the same (integer-weight, hence exact) sums as a scan over sorted samples.
   */
  const prepareFeature = (f: number, start: number, end: number): boolean => {
    const base = f * n;
    const m = end - start;
    let minR = 2147483647;
    let maxR = -1;
    for (let q = 0; q < m; q++) {
      const s = samples[start + q];
      const r = ranks[base + s];
      keyA[q] = r;
      sampA[q] = s;
      if (r < minR) minR = r;
      if (r > maxR) maxR = r;
    }
    const range = maxR - minR;
    if (range === 0) {
      // one value: constant, nothing to sort (reported as an empty bucket set)
      bucketLo = 0;
      bucketHi = 0;
      bucketMin = X[base + sampA[0]];
      bucketMax = bucketMin;
      return true;
    }
    if (classification && range < BUCKET_MAX && range * 4 < m) {
      bucketLo = 0;
      bucketHi = range + 1;
      for (let q = 0; q < m; q++) {
        const s = sampA[q];
        const b = keyA[q] - minR;
        bucketCount[b]++;
        bucketSample[b] = s;
        bucketWeight[b] += w[s];
        bucketClass[b * K + yClass![s]] += w[s];
      }
      bucketMin = X[base + bucketSample[0]];
      bucketMax = X[base + bucketSample[range]];
      return true;
    }
    if (m <= RADIX_MIN) {
      // Small nodes: a comparison sort beats the radix sort's per-pass histogram overhead.
      for (let q = start; q < end; q++) Xf[q] = X[base + samples[q]];
      quickSort(Xf, samples, start, end);
      return false;
    }
    const bits = 32 - Math.clz32(range);
    const passes = Math.ceil(bits / RADIX_BITS_MAX);
    const perPass = Math.ceil(bits / passes);
    const mask = (1 << perPass) - 1;
    const nb = mask + 1;
    let kSrc = keyA;
    let kDst = keyB;
    let sSrc = sampA;
    let sDst = sampB;
    for (let q = 0; q < m; q++) kSrc[q] -= minR;
    for (let pass = 0, shift = 0; pass < passes; pass++, shift += perPass) {
      hist.fill(0, 0, nb);
      for (let q = 0; q < m; q++) hist[(kSrc[q] >>> shift) & mask]++;
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        const c = hist[b];
        hist[b] = acc;
        acc += c;
      }
      for (let q = 0; q < m; q++) {
        const k = kSrc[q];
        const at = hist[(k >>> shift) & mask]++;
        kDst[at] = k;
        sDst[at] = sSrc[q];
      }
      const tk = kSrc;
      kSrc = kDst;
      kDst = tk;
      const ts = sSrc;
      sSrc = sDst;
      sDst = ts;
    }
    samples.set(sSrc.subarray(0, m), start);
    for (let q = start; q < end; q++) Xf[q] = X[base + samples[q]];
    return false;
  };

  const clearBuckets = (): void => {
    bucketCount.fill(0, bucketLo, bucketHi);
    bucketWeight.fill(0, bucketLo, bucketHi);
    bucketClass.fill(0, bucketLo * K, bucketHi * K);
    bucketLo = 0;
    bucketHi = 0;
  };

  /** The sorted-sample scan below, over rank buckets (see prepareFeature). */
  const scanBuckets = (f: number, start: number, end: number, bestProxyIn: number): number => {
    const base = f * n;
    let bestProxy = bestProxyIn;
    sumLeft.fill(0);
    let wLeft = 0;
    let nLeft = 0;
    let prev = -1;
    for (let b = bucketLo; b < bucketHi; b++) {
      if (bucketCount[b] === 0) continue;
      if (prev >= 0) {
        const v1 = X[base + bucketSample[prev]];
        const v2 = X[base + bucketSample[b]];
        const q = start + nLeft;
        if (!(v2 <= Math.fround(v1 + FEATURE_THRESHOLD)) && nLeft >= minLeaf && end - q >= minLeaf) {
          const wRight = weightedNNode - wLeft;
          const proxy =
            -wRight * classImpurity(sumLeft, sumTotal, wRight) - wLeft * classImpurity(sumLeft, null, wLeft);
          if (proxy > bestProxy) {
            bestProxy = proxy;
            let thr = v1 / 2.0 + v2 / 2.0;
            if (thr === v2 || thr === Number.POSITIVE_INFINITY || thr === Number.NEGATIVE_INFINITY) thr = v1;
            bestPos = q;
            bestFeature = f;
            bestThreshold = thr;
          }
        }
      }
      for (let c = 0; c < K; c++) sumLeft[c] += bucketClass[b * K + c];
      wLeft += bucketWeight[b];
      nLeft += bucketCount[b];
      prev = b;
    }
    clearBuckets();
    return bestProxy;
  };

  // split search results
  let bestPos = 0;
  let bestFeature = 0;
  let bestThreshold = 0;
  let bestImpLeft = 0;
  let bestImpRight = 0;
  let bestImprovement = 0;

  /** sklearn's BestSplitter.node_split; returns the number of constant features known to the children. */
  const nodeSplit = (start: number, end: number, impurity: number, nKnownConstants: number): number => {
    let fI = p;
    let nVisited = 0;
    let nFound = 0;
    let nDrawn = 0;
    let nTotal = nKnownConstants;
    let bestProxy = Number.NEGATIVE_INFINITY;
    bestPos = end;
    bestFeature = 0;
    bestThreshold = 0;

    while (fI > nTotal && (nVisited < maxFeatures || nVisited <= nFound + nDrawn)) {
      nVisited++;
      let fJ = randInt(nDrawn, fI - nFound);
      if (fJ < nKnownConstants) {
        const t = features[nDrawn];
        features[nDrawn] = features[fJ];
        features[fJ] = t;
        nDrawn++;
        continue;
      }
      fJ += nFound;
      const f = features[fJ];
      const bucketed = prepareFeature(f, start, end);
      const constant = bucketed
        ? bucketMax <= Math.fround(bucketMin + FEATURE_THRESHOLD)
        : Xf[end - 1] <= Math.fround(Xf[start] + FEATURE_THRESHOLD);
      if (constant) {
        if (bucketed) clearBuckets();
        features[fJ] = features[nTotal];
        features[nTotal] = f;
        nFound++;
        nTotal++;
        continue;
      }
      fI--;
      features[fJ] = features[fI];
      features[fI] = f;
      if (bucketed) {
        bestProxy = scanBuckets(f, start, end, bestProxy);
        continue;
      }

      // Scan thresholds left to right, adding samples to the left child as we go.
      sumLeft.fill(0);
      let wLeft = 0;
      let pos = start;
      let q = start;
      while (q < end) {
        while (q + 1 < end && Xf[q + 1] <= Math.fround(Xf[q] + FEATURE_THRESHOLD)) q++;
        q++;
        if (q >= end) break;
        if (q - start < minLeaf || end - q < minLeaf) continue;
        let proxy: number;
        if (classification) {
          for (; pos < q; pos++) {
            const i = samples[pos];
            sumLeft[yClass![i]] += w[i];
            wLeft += w[i];
          }
          const wRight = weightedNNode - wLeft;
          proxy =
            -wRight * classImpurity(sumLeft, sumTotal, wRight) - wLeft * classImpurity(sumLeft, null, wLeft);
        } else {
          for (; pos < q; pos++) {
            const i = samples[pos];
            sumLeft[0] += w[i] * yValue![i];
            wLeft += w[i];
          }
          const sl = sumLeft[0];
          const sr = sumTotal[0] - sl;
          proxy = (sl * sl) / wLeft + (sr * sr) / (weightedNNode - wLeft);
        }
        if (proxy > bestProxy) {
          bestProxy = proxy;
          let thr = Xf[q - 1] / 2.0 + Xf[q] / 2.0;
          if (thr === Xf[q] || thr === Number.POSITIVE_INFINITY || thr === Number.NEGATIVE_INFINITY)
            thr = Xf[q - 1];
          bestPos = q;
          bestFeature = f;
          bestThreshold = thr;
        }
      }
    }

    if (bestPos < end) {
      // Partition samples[start:end] around the threshold (sklearn's in-place swap order).
      const base = bestFeature * n;
      let a = start;
      let partitionEnd = end;
      while (a < partitionEnd) {
        if (X[base + samples[a]] <= bestThreshold) a++;
        else {
          partitionEnd--;
          const t = samples[a];
          samples[a] = samples[partitionEnd];
          samples[partitionEnd] = t;
        }
      }
      childrenImpurity(start, bestPos, end);
      const wLeft = childWeightLeft;
      const wRight = weightedNNode - wLeft;
      bestImprovement =
        (weightedNNode / weightedNSamples) *
        (impurity - (wRight / weightedNNode) * bestImpRight - (wLeft / weightedNNode) * bestImpLeft);
    }

    // Known constants keep their order for siblings and children; newly found ones are appended.
    for (let k = 0; k < nKnownConstants; k++) features[k] = constantFeatures[k];
    for (let k = nKnownConstants; k < nKnownConstants + nFound; k++) constantFeatures[k] = features[k];
    return nTotal;
  };

  let childWeightLeft = 0;
  /** Impurities of samples[start:pos] and samples[pos:end], accumulated as sklearn's criterion does. */
  const childrenImpurity = (start: number, pos: number, end: number): void => {
    sumLeft.fill(0);
    let wLeft = 0;
    if (pos - start <= end - pos) {
      for (let q = start; q < pos; q++) {
        const i = samples[q];
        if (classification) sumLeft[yClass![i]] += w[i];
        else sumLeft[0] += w[i] * yValue![i];
        wLeft += w[i];
      }
    } else {
      sumLeft.set(sumTotal);
      wLeft = weightedNNode;
      for (let q = end - 1; q >= pos; q--) {
        const i = samples[q];
        if (classification) sumLeft[yClass![i]] -= w[i];
        else sumLeft[0] -= w[i] * yValue![i];
        wLeft -= w[i];
      }
    }
    childWeightLeft = wLeft;
    const wRight = weightedNNode - wLeft;
    if (classification) {
      bestImpLeft = classImpurity(sumLeft, null, wLeft);
      bestImpRight = classImpurity(sumLeft, sumTotal, wRight);
    } else {
      let sqLeft = 0;
      for (let q = start; q < pos; q++) {
        const i = samples[q];
        sqLeft += w[i] * yValue![i] * yValue![i];
      }
      const sqRight = sqSumTotal - sqLeft;
      const ml = sumLeft[0] / wLeft;
      const mr = (sumTotal[0] - sumLeft[0]) / wRight;
      bestImpLeft = sqLeft / wLeft - ml * ml;
      bestImpRight = sqRight / wRight - mr * mr;
    }
  };

  // Depth-first stack of (start, end, depth, parent, isLeft, impurity, nConstantFeatures).
  const stack: number[] = [0, nSamples, 0, -1, 0, Number.POSITIVE_INFINITY, 0];
  let first = true;
  let maxDepthSeen = 0;
  while (stack.length > 0) {
    const nConst = stack.pop()!;
    let impurity = stack.pop()!;
    const isLeft = stack.pop()!;
    const parent = stack.pop()!;
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const nNode = end - start;
    nodeReset(start, end);
    let isLeaf = depth >= opts.maxDepth || nNode < minSplit || nNode < 2 * minLeaf;
    if (first) {
      impurity = nodeImpurity();
      first = false;
    }
    isLeaf = isLeaf || impurity <= EPSILON;
    let childConst = nConst;
    if (!isLeaf) {
      childConst = nodeSplit(start, end, impurity, nConst);
      isLeaf = bestPos >= end || bestImprovement + EPSILON < 0;
    }
    const id = store.add();
    if (parent >= 0) {
      if (isLeft) store.left[parent] = id;
      else store.right[parent] = id;
    }
    store.impurity[id] = impurity;
    store.nNodeSamples[id] = nNode;
    store.weighted[id] = weightedNNode;
    if (classification) store.value.set(sumTotal, id * K);
    else store.value[id] = sumTotal[0] / weightedNNode;
    if (isLeaf) {
      store.left[id] = TREE_LEAF;
      store.right[id] = TREE_LEAF;
      store.feature[id] = TREE_UNDEFINED;
      store.threshold[id] = TREE_UNDEFINED;
    } else {
      store.feature[id] = bestFeature;
      store.threshold[id] = bestThreshold;
      const pos = bestPos;
      const impL = bestImpLeft;
      const impR = bestImpRight;
      stack.push(pos, end, depth + 1, id, 0, impR, childConst);
      stack.push(start, pos, depth + 1, id, 1, impL, childConst);
    }
    if (depth > maxDepthSeen) maxDepthSeen = depth;
  }
  const tree = store.finish(maxDepthSeen);
  spare = scratch;
  return tree;
}

/** The leaf row i of a column-major float32 matrix falls into. */
export function leafOfRow(tree: TreeArrays, X: Float32Array, nRows: number, i: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  while (left[node] !== TREE_LEAF) {
    node = X[feature[node] * nRows + i] <= threshold[node] ? left[node] : right[node];
  }
  return node;
}

/** sklearn's impurity-based importances: weighted impurity decrease per feature, normalised to sum 1. */
export function treeFeatureImportances(tree: TreeArrays, nFeatures: number): Float64Array {
  const imp = new Float64Array(nFeatures);
  const { left, right, weightedNNodeSamples: wn, impurity } = tree;
  for (let node = 0; node < tree.nodeCount; node++) {
    const l = left[node];
    if (l === TREE_LEAF) continue;
    const r = right[node];
    imp[tree.feature[node]] += wn[node] * impurity[node] - wn[l] * impurity[l] - wn[r] * impurity[r];
  }
  let total = 0;
  for (let f = 0; f < nFeatures; f++) {
    imp[f] /= wn[0];
    total += imp[f];
  }
  if (total > 0) for (let f = 0; f < nFeatures; f++) imp[f] /= total;
  return imp;
}

/** Column-major to row-major float32, so a prediction walk reads one row from adjacent memory. */
export function toRowMajor(
  X: Float32Array,
  nRows: number,
  nFeatures: number,
  out: Float32Array = new Float32Array(X.length),
): Float32Array {
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0, src = f * nRows, dst = f; i < nRows; i++, dst += nFeatures) out[dst] = X[src + i];
  }
  return out;
}

/**
 * Adds each row's leaf value to `out` (row-major n x nOutputs): with `normalise`, the leaf's class counts
 * as probabilities (what sklearn's predict_proba returns); otherwise the raw value (the regression mean).
 * `rows` is the row-major matrix from toRowMajor.
 */
export function addTreePrediction(
  tree: TreeArrays,
  rows: Float32Array,
  nFeatures: number,
  out: Float64Array,
  normalise: boolean,
): void {
  const K = tree.nOutputs;
  const nRows = rows.length / nFeatures;
  const { feature, threshold, left, right, value } = tree;
  for (let i = 0, base = 0; i < nRows; i++, base += nFeatures) {
    let node = 0;
    while (left[node] !== TREE_LEAF) {
      node = rows[base + feature[node]] <= threshold[node] ? left[node] : right[node];
    }
    let total = 1;
    if (normalise) {
      total = 0;
      for (let c = 0; c < K; c++) total += value[node * K + c];
      if (total === 0) total = 1;
    }
    for (let c = 0; c < K; c++) out[i * K + c] += value[node * K + c] / total;
  }
}

/**
 * A tree laid out for prediction: 4 int32 per node (feature, left, right, threshold bits) in one array, so
 * a walk touches one cache line per node. Leaves have feature -1 and `left` = their row in `leafValue`.
 */
export interface PackedTree {
  nodes: Int32Array;
  /** The same buffer as float32: thresholds at 4k + 3. */
  thresholds: Float32Array;
  /** Leaf values, nOutputs per leaf: class shares when packed with `normalise`, raw values otherwise. */
  leafValue: Float64Array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The largest float32 <= t. Features are float32, so for any feature value x, `x <= t` exactly when
 * `x <= floor32(t)`: the float64 threshold can be stored in float32 without changing a single decision.
 */
export function float32Floor(t: number): number {
  f32[0] = t;
  if (f32[0] <= t || Number.isNaN(t)) return f32[0];
  if (f32[0] > 0) u32[0]--;
  else if (f32[0] === 0) u32[0] = 0x80000001;
  else u32[0]++;
  return f32[0];
}

/**
 * A forest's trees packed for prediction, each tree in a shared buffer of its own so that worker threads
 * predict from them in place. One buffer per tree rather than one for the forest: a tree's few tens of
 * kilobytes come from the allocator's free lists, refilled by the last forest the collector freed, where a
 * forest-sized buffer is fresh memory from the system every time (churn's 200 trees: 11 MB, 2,800 page
 * faults, 28 ms on this virtual machine, for every model of a cross-validation).
 */
export interface PackedForest {
  trees: PackedTree[];
}

export function packForest(trees: readonly TreeArrays[], normalise: boolean): PackedForest {
  return { trees: trees.map((tree) => packTree(tree, normalise)) };
}

/** One tree in prediction layout (see PackedForest), leaf values as class shares when `normalise`. */
export function packTree(tree: TreeArrays, normalise: boolean): PackedTree {
  let nLeaves = 0;
  for (let k = 0; k < tree.nodeCount; k++) if (tree.left[k] === TREE_LEAF) nLeaves++;
  // Nodes then leaf values in one buffer (16 bytes a node keeps the leaf values 8-byte aligned).
  const buffer = new SharedArrayBuffer(16 * tree.nodeCount + 8 * nLeaves * tree.nOutputs);
  const packed: PackedTree = {
    nodes: new Int32Array(buffer, 0, 4 * tree.nodeCount),
    thresholds: new Float32Array(buffer, 0, 4 * tree.nodeCount),
    leafValue: new Float64Array(buffer, 16 * tree.nodeCount, nLeaves * tree.nOutputs),
  };
  fillPackedTree(tree, normalise, packed);
  return packed;
}

/**
 * Claims blocks of `blockRows` rows from the shared counter `next` until none are left, adding every tree's
 * leaf values for each block's rows (what each predicting thread runs).
 */
export function predictClaimedBlocks(
  trees: readonly PackedTree[],
  nOutputs: number,
  rows: Float32Array,
  nRows: number,
  nFeatures: number,
  blockRows: number,
  out: Float64Array,
  next: Int32Array,
): void {
  const nBlocks = Math.ceil(nRows / blockRows);
  for (let b = Atomics.add(next, 0, 1); b < nBlocks; b = Atomics.add(next, 0, 1)) {
    const end = Math.min(nRows, (b + 1) * blockRows);
    addForestPrediction(trees, nOutputs, rows, nFeatures, out, b * blockRows, end);
  }
}

function fillPackedTree(
  tree: TreeArrays,
  normalise: boolean,
  { nodes, thresholds, leafValue }: PackedTree,
): void {
  const K = tree.nOutputs;
  let leaf = 0;
  for (let k = 0; k < tree.nodeCount; k++) {
    if (tree.left[k] === TREE_LEAF) {
      nodes[4 * k] = -1;
      nodes[4 * k + 1] = leaf;
      let total = 1;
      if (normalise) {
        total = 0;
        for (let c = 0; c < K; c++) total += tree.value[k * K + c];
        if (total === 0) total = 1;
      }
      for (let c = 0; c < K; c++) leafValue[leaf * K + c] = tree.value[k * K + c] / total;
      leaf++;
    } else {
      nodes[4 * k] = tree.feature[k];
      nodes[4 * k + 1] = tree.left[k];
      nodes[4 * k + 2] = tree.right[k];
      thresholds[4 * k + 3] = float32Floor(tree.threshold[k]);
    }
  }
}

/**
 * Adds, for rows [rowStart, rowEnd) of the row-major matrix `rows`, every tree's leaf value to `out`
 * (row-major n x nOutputs). Tree by tree over all rows: one tree's nodes stay in cache while rows stream
 * past (measured faster than blocks of rows through all trees), and each row sums trees in order.
 */
export function addForestPrediction(
  trees: readonly PackedTree[],
  nOutputs: number,
  rows: Float32Array,
  nFeatures: number,
  out: Float64Array,
  rowStart: number,
  rowEnd: number,
): void {
  const K = nOutputs;
  for (const { nodes, thresholds, leafValue } of trees) {
    for (let i = rowStart, base = rowStart * nFeatures; i < rowEnd; i++, base += nFeatures) {
      let node = 0;
      let f = nodes[0];
      while (f >= 0) {
        node = rows[base + f] <= thresholds[node + 3] ? nodes[node + 1] << 2 : nodes[node + 2] << 2;
        f = nodes[node];
      }
      const leaf = nodes[node + 1] * K;
      if (K === 2) {
        out[i * 2] += leafValue[leaf];
        out[i * 2 + 1] += leafValue[leaf + 1];
      } else for (let c = 0; c < K; c++) out[i * K + c] += leafValue[leaf + c];
    }
  }
}

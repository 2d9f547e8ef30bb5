/**
 * The best split of one node from its histograms, as scikit-learn 1.2's HistGradientBoosting splitter
 * decides it, so that the same histograms give the same split:
 * - numeric features scan bins left to right with missing values going right (including the "split on
 *   missing" that sends every non-missing value left), then, if the feature had missing values at fit,
 *   right to left with missing values going left; a later candidate must be strictly better;
 * - categorical features sort their categories (missing values count as one) by
 *   sum_gradients / (sum_hessians + 10), leave out categories with less than 10 of hessian support
 *   (they always go right), and scan that order from both ends up to the middle (Fisher's grouping, as
 *   LightGBM does);
 * - gain = loss(node) - loss(left) - loss(right) with loss = sum_gradients * value and
 *   value = -sum_gradients / (sum_hessians + l2 + 1e-15); a child needs minSamplesLeaf rows and 1e-3 of
 *   hessian; across features the first best wins.
 *
 * Histograms are float64 views with four numbers per bin (gradient sum, hessian sum, count, unused) and
 * 256 bins per feature (kernels.ts).
 */

/** Numbers per split result, laid out in a Float64Array (so worker threads can return theirs). */
export const SPLIT_SIZE = 16;
export const S_GAIN = 0;
export const S_FEATURE = 1;
export const S_BIN = 2;
export const S_MISSING_LEFT = 3;
export const S_GRAD_LEFT = 4;
export const S_HESS_LEFT = 5;
export const S_COUNT_LEFT = 6;
export const S_CATEGORICAL = 7;
/** Eight uint32 words: the bins that go left in a categorical split. */
export const S_BITSET = 8;

const MIN_CAT_SUPPORT = 10;
export const MIN_HESSIAN_TO_SPLIT = 1e-3;

export interface FeatureMeta {
  /** Bins used by non-missing values, per feature. */
  nBins: Int32Array;
  hasMissing: Uint8Array;
  isCategorical: Uint8Array;
  /** The bin of missing values (maxBins), the same for every feature. */
  missingBin: number;
}

export interface SplitParams {
  minSamplesLeaf: number;
  l2Regularization: number;
}

/** Statistics of the node being split. `value` is its (unshrunk) value; 0 at the root, as in sklearn. */
export interface NodeStats {
  count: number;
  sumGradients: number;
  sumHessians: number;
  value: number;
}

export function nodeValue(sumGradients: number, sumHessians: number, l2: number): number {
  return -sumGradients / (sumHessians + l2 + 1e-15);
}

const catBin = new Int32Array(257);
const catValue = new Float64Array(257);

/**
 * Writes into `out[at..at + SPLIT_SIZE)` the best split of the node over features [f0, f1), with gain -1
 * when no split is allowed. `base` is the index in `hist` of the node's first bin.
 */
export function findBestSplit(
  hist: Float64Array,
  base: number,
  f0: number,
  f1: number,
  node: NodeStats,
  meta: FeatureMeta,
  params: SplitParams,
  out: Float64Array,
  at: number,
): void {
  const n = node.count;
  const G = node.sumGradients;
  const H = node.sumHessians;
  const l2 = params.l2Regularization;
  const minLeaf = params.minSamplesLeaf;
  const lossNode = G * node.value;
  let bestGain = -1;
  let bestFeature = f0;
  let bestBin = 0;
  let bestMissingLeft = 0;
  let bestGL = 0;
  let bestHL = 0;
  let bestNL = 0;
  let bestCategorical = 0;
  out.fill(0, at, at + SPLIT_SIZE);

  for (let f = f0; f < f1; f++) {
    const h0 = base + f * 1024;
    const nb = meta.nBins[f];
    const hasMissing = meta.hasMissing[f];
    let featureGain = -1;
    if (meta.isCategorical[f]) {
      featureGain = categoricalSplit(
        hist,
        h0,
        nb,
        hasMissing,
        meta.missingBin,
        n,
        G,
        H,
        lossNode,
        l2,
        minLeaf,
      );
      if (featureGain > bestGain) {
        bestGain = featureGain;
        bestFeature = f;
        bestBin = 0;
        bestMissingLeft = catMissingLeft;
        bestGL = catGL;
        bestHL = catHL;
        bestNL = catNL;
        bestCategorical = 1;
        for (let k = 0; k < 8; k++) out[at + S_BITSET + k] = catBitset[k];
      }
      continue;
    }
    // left to right, missing values go right
    let gL = 0;
    let hL = 0;
    let nL = 0;
    const end = nb - 1 + hasMissing;
    for (let b = 0; b < end; b++) {
      const k = h0 + 4 * b;
      nL += hist[k + 2];
      hL += hist[k + 1];
      gL += hist[k];
      const nR = n - nL;
      if (nL < minLeaf) continue;
      if (nR < minLeaf) break;
      const hR = H - hL;
      if (hL < MIN_HESSIAN_TO_SPLIT) continue;
      if (hR < MIN_HESSIAN_TO_SPLIT) break;
      const gR = G - gL;
      const gain = lossNode - gL * (-gL / (hL + l2 + 1e-15)) - gR * (-gR / (hR + l2 + 1e-15));
      if (gain > featureGain && gain > 0) {
        featureGain = gain;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestMissingLeft = 0;
          bestGL = gL;
          bestHL = hL;
          bestNL = nL;
          bestCategorical = 0;
        }
      }
    }
    if (!hasMissing) continue;
    // right to left, missing values go left
    let gR = 0;
    let hR = 0;
    let nR = 0;
    for (let b = nb - 2; b >= 0; b--) {
      const k = h0 + 4 * (b + 1);
      nR += hist[k + 2];
      hR += hist[k + 1];
      gR += hist[k];
      const nLeft = n - nR;
      if (nR < minLeaf) continue;
      if (nLeft < minLeaf) break;
      const hLeft = H - hR;
      if (hR < MIN_HESSIAN_TO_SPLIT) continue;
      if (hLeft < MIN_HESSIAN_TO_SPLIT) break;
      const gLeft = G - gR;
      const gain = lossNode - gLeft * (-gLeft / (hLeft + l2 + 1e-15)) - gR * (-gR / (hR + l2 + 1e-15));
      if (gain > featureGain && gain > 0) {
        featureGain = gain;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestMissingLeft = 1;
          bestGL = gLeft;
          bestHL = hLeft;
          bestNL = nLeft;
          bestCategorical = 0;
        }
      }
    }
  }
  out[at + S_GAIN] = bestGain;
  out[at + S_FEATURE] = bestFeature;
  out[at + S_BIN] = bestBin;
  out[at + S_MISSING_LEFT] = bestMissingLeft;
  out[at + S_GRAD_LEFT] = bestGL;
  out[at + S_HESS_LEFT] = bestHL;
  out[at + S_COUNT_LEFT] = bestNL;
  out[at + S_CATEGORICAL] = bestCategorical;
}

// The last categorical search's result (module scratch: one search at a time per thread).
let catGL = 0;
let catHL = 0;
let catNL = 0;
let catMissingLeft = 0;
const catBitset = new Uint32Array(8);

/** Fisher's sorted-category scan of one categorical feature; returns its best gain (-1: none). */
function categoricalSplit(
  hist: Float64Array,
  h0: number,
  nb: number,
  hasMissing: number,
  missingBin: number,
  n: number,
  G: number,
  H: number,
  lossNode: number,
  l2: number,
  minLeaf: number,
): number {
  const support = n / H;
  let used = 0;
  const consider = (bin: number): void => {
    const k = h0 + 4 * bin;
    const hBin = hist[k + 1];
    if (hBin * support >= MIN_CAT_SUPPORT) {
      // insertion into catBin/catValue sorted by value (stable for equal values)
      const value = hist[k] / (hBin + MIN_CAT_SUPPORT);
      let q = used;
      while (q > 0 && catValue[q - 1] > value) {
        catValue[q] = catValue[q - 1];
        catBin[q] = catBin[q - 1];
        q--;
      }
      catValue[q] = value;
      catBin[q] = bin;
      used++;
    }
  };
  for (let b = 0; b < nb; b++) consider(b);
  if (hasMissing) consider(missingBin);
  if (used <= 1) return -1;

  let bestGain = -1;
  let bestEnd = 0;
  let bestDirection = 0;
  for (const direction of [1, -1]) {
    const middle = direction === 1 ? (used + 1) >> 1 : ((used + 1) >> 1) - 1;
    let gL = 0;
    let hL = 0;
    let nL = 0;
    for (let i = 0; i < middle; i++) {
      const sorted = direction === 1 ? i : used - 1 - i;
      const k = h0 + 4 * catBin[sorted];
      nL += hist[k + 2];
      hL += hist[k + 1];
      gL += hist[k];
      const nR = n - nL;
      const hR = H - hL;
      if (nL < minLeaf || hL < MIN_HESSIAN_TO_SPLIT) continue;
      if (nR < minLeaf || hR < MIN_HESSIAN_TO_SPLIT) break;
      const gR = G - gL;
      const gain = lossNode - gL * (-gL / (hL + l2 + 1e-15)) - gR * (-gR / (hR + l2 + 1e-15));
      if (gain > bestGain && gain > 0) {
        bestGain = gain;
        bestEnd = sorted;
        bestDirection = direction;
        catGL = gL;
        catHL = hL;
        catNL = nL;
      }
    }
  }
  if (bestDirection === 0) return -1;
  catBitset.fill(0);
  const from = bestDirection === 1 ? 0 : bestEnd;
  const to = bestDirection === 1 ? bestEnd : used - 1;
  for (let s = from; s <= to; s++) catBitset[catBin[s] >>> 5] |= 1 << (catBin[s] & 31);
  catMissingLeft = hasMissing && (catBitset[missingBin >>> 5] >>> (missingBin & 31)) & 1 ? 1 : 0;
  return bestGain;
}

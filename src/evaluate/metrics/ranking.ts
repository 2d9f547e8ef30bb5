/**
 * Ranking metrics on scores. The shape of `scores` says what is meant: n values are scores of the
 * positive class; n x 2 (row-major) are class probabilities, of which the posLabel column is used;
 * n x k with k > 2 are scored one-vs-rest, like `roc_auc_score(multi_class="ovr")`.
 */
import {
  encodeLabels,
  type LabelInput,
  type LabelRef,
  metricError,
  presentLabels,
  resolveLabel,
} from "./labels.js";

export interface RankingOptions {
  /** Positive class for binary inputs: a code or a level name. Default 1. */
  posLabel?: LabelRef;
  /** How one-vs-rest scores of k > 2 classes combine. Default "macro". */
  average?: "macro" | "weighted";
}

/** Cumulative true/false positives at each distinct score, scores descending (sklearn's `_binary_clf_curve`). */
function binaryCurve(positive: Uint8Array, scores: Float64Array, stride: number, offset: number) {
  const n = positive.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i * stride + offset];
    if (Number.isNaN(s)) throw metricError(`score at row ${i} is NaN`, "scores must be finite numbers");
    order[i] = i;
  }
  order.sort((a, b) => {
    const x = scores[a * stride + offset];
    const y = scores[b * stride + offset];
    return x > y ? -1 : x < y ? 1 : 0;
  });
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let m = 0;
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    if (positive[i]) tp++;
    else fp++;
    const next = r + 1 < n ? scores[order[r + 1] * stride + offset] : Number.NaN;
    if (next !== scores[i * stride + offset]) {
      tps[m] = tp;
      fps[m] = fp;
      m++;
    }
  }
  return { tps: tps.subarray(0, m), fps: fps.subarray(0, m) };
}

function binaryRocAuc(positive: Uint8Array, scores: Float64Array, stride = 1, offset = 0): number {
  const { tps, fps } = binaryCurve(positive, scores, stride, offset);
  const m = tps.length;
  const p = m ? tps[m - 1] : 0;
  const q = m ? fps[m - 1] : 0;
  if (p === 0 || q === 0) {
    throw metricError(
      "only one class is present in yTrue; ROC AUC is not defined in that case",
      "score on a sample that contains both classes (stratify the split)",
      "E_METRIC_UNDEFINED",
    );
  }
  let area = 0;
  let x0 = 0;
  let y0 = 0;
  for (let j = 0; j < m; j++) {
    const x = fps[j] / q;
    const y = tps[j] / p;
    area += ((x - x0) * (y + y0)) / 2;
    x0 = x;
    y0 = y;
  }
  return area;
}

/** Step-wise AP: sum over thresholds of (R_k - R_{k-1}) P_k; 0 when yTrue has no positives (as sklearn). */
function binaryAveragePrecision(positive: Uint8Array, scores: Float64Array, stride = 1, offset = 0): number {
  const { tps, fps } = binaryCurve(positive, scores, stride, offset);
  const m = tps.length;
  const p = m ? tps[m - 1] : 0;
  let ap = 0;
  let r0 = 0;
  for (let j = 0; j < m; j++) {
    const r = p === 0 ? 1 : tps[j] / p;
    const precision = tps[j] + fps[j] === 0 ? 0 : tps[j] / (tps[j] + fps[j]);
    ap += (r - r0) * precision;
    r0 = r;
  }
  return ap;
}

type BinaryKernel = (positive: Uint8Array, scores: Float64Array, stride?: number, offset?: number) => number;

function scoreShape(n: number, scores: Float64Array): number {
  const k = n === 0 ? 0 : scores.length / n;
  if (n === 0 || !Number.isInteger(k)) {
    throw metricError(
      `scores have ${scores.length} values for ${n} samples`,
      "pass n scores of the positive class, or n x k class probabilities (row-major)",
    );
  }
  return k;
}

function rankingMetric(
  kernel: BinaryKernel,
  isRoc: boolean,
  yTrue: LabelInput,
  scores: Float64Array,
  options: RankingOptions,
): number {
  const { codes, levels } = encodeLabels(yTrue);
  const n = codes.length;
  const k = scoreShape(n, scores);
  if (k <= 2) {
    if (presentLabels(codes).length > 2) {
      throw metricError(
        "yTrue has more than two classes but the scores are binary",
        "pass n x k class probabilities for a multiclass target",
        "E_METRIC_NOT_BINARY",
      );
    }
    const pos = resolveLabel(options.posLabel ?? 1, levels);
    if (k === 2 && pos > 1) throw metricError(`posLabel ${pos} has no column among 2 class scores`);
    const positive = new Uint8Array(n);
    for (let i = 0; i < n; i++) positive[i] = codes[i] === pos ? 1 : 0;
    return k === 1 ? kernel(positive, scores) : kernel(positive, scores, 2, pos);
  }
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    if (codes[i] >= k) throw metricError(`class code ${codes[i]} at row ${i} has no score column (k = ${k})`);
    counts[codes[i]]++;
  }
  if (isRoc && counts.some((c) => c === 0)) {
    throw metricError(
      "a class has no samples in yTrue; one-vs-rest ROC AUC is not defined for it",
      "score on a sample that contains every class (stratify the split)",
      "E_METRIC_UNDEFINED",
    );
  }
  if (isRoc) checkRowsSumToOne(scores, n, k);
  const positive = new Uint8Array(n);
  let sum = 0;
  let weights = 0;
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) positive[i] = codes[i] === c ? 1 : 0;
    const w = options.average === "weighted" ? counts[c] : 1;
    if (w > 0) sum += w * kernel(positive, scores, k, c);
    weights += w;
  }
  return weights === 0 ? 0 : sum / weights;
}

/** np.allclose(1, rowSums), the check sklearn makes before one-vs-rest scoring. */
function checkRowsSumToOne(scores: Float64Array, n: number, k: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += scores[i * k + c];
    if (!(Math.abs(s - 1) <= 1e-8 + 1e-5 * Math.abs(s))) {
      throw metricError(
        `class probabilities of row ${i} sum to ${s}, not 1`,
        "pass predictProba output (each row sums to 1) for multiclass scoring",
      );
    }
  }
}

/** Area under the ROC curve: binary, or one-vs-rest macro / weighted for k > 2 classes. */
export function rocAuc(yTrue: LabelInput, scores: Float64Array, options: RankingOptions = {}): number {
  return rankingMetric(binaryRocAuc, true, yTrue, scores, options);
}

/** Average precision (not interpolated): binary, or one-vs-rest macro / weighted for k > 2 classes. */
export function averagePrecision(
  yTrue: LabelInput,
  scores: Float64Array,
  options: RankingOptions = {},
): number {
  return rankingMetric(binaryAveragePrecision, false, yTrue, scores, options);
}

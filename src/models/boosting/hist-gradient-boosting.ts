/**
 * HistGradientBoostingClassifier and HistGradientBoostingRegressor, after scikit-learn 1.2 (and
 * LightGBM): features binned once (hist/binning.ts), one tree per iteration and output grown leaf-wise on
 * gradient/hessian histograms (hist/grower.ts), missing values and categorical features handled by the
 * splits themselves, early stopping on a validation share or the training data, scored by the loss or a
 * metric. Defaults are sklearn 1.2's. The trees are plain arrays in the state and in the artifact.
 */
import { availableParallelism } from "node:os";
import { MlshipError, NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame, numeric } from "../../core/frame.js";
import type { Classifier, EstimatorJSON, Predictor } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { Random } from "../../core/random.js";
import {
  Binner,
  binColumn,
  binCount,
  binsFromJSON,
  binsToJSON,
  categoriesOf,
  type FeatureBins,
  type FeatureBinsJSON,
  gather,
  numericThresholds,
  numericValues,
} from "../hist/binning.js";
import { type GrowParams, growTree, type HistTree } from "../hist/grower.js";
import {
  binnedMatrix,
  nodeThresholds,
  predictionMatrix,
  type TreeHandle,
  TreeWalker,
} from "../hist/predict.js";
import type { FeatureMeta } from "../hist/split.js";
import { type Execution, executorFor } from "../hist/threads.js";
import { Workspace, workspaceLayout } from "../hist/workspace.js";
import { accuracy, classTarget, invalidParam, r2, regressionTarget } from "../input.js";
import { knownMetrics, metricScorer, type ScoredPrediction } from "../scoring.js";
import { predictLabels } from "../tree/decision-tree.js";
import { type Loss, type LossName, lossFor, median, probabilities, weightedMedian } from "./losses.js";

export interface HistGradientBoostingParams {
  [key: string]: unknown;
  loss: LossName;
  learningRate: number;
  maxIter: number;
  /** Leaves per tree; null = no limit. */
  maxLeafNodes: number | null;
  /** Edges from the root to the deepest leaf; null = no limit. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  /** Bins for non-missing values, 2..255 (one more bin holds missing values). */
  maxBins: number;
  /**
   * Features split as categories: "auto" = the frame's categorical columns; or a list of column names
   * (numeric columns listed are categories by value); null = none (a categorical column is then an error).
   */
  categoricalFeatures: "auto" | string[] | null;
  /** "auto": on when there are more than 10,000 rows. */
  earlyStopping: "auto" | boolean;
  /** "loss", or a metric name as in the spec (e.g. "roc_auc", "r2"): what early stopping watches. */
  scoring: string;
  /** Share (0, 1) or number (>= 1) of rows held out to watch early stopping; null = the training data. */
  validationFraction: number | null;
  nIterNoChange: number;
  tol: number;
  /** Seeds the validation split and the quantile subsample of large data. */
  randomState: number | null;
  /** Threads for histogram building; null = all cores. Small fits stay in this thread. */
  nJobs: number | null;
}

export type HistGradientBoostingClassifierParams = HistGradientBoostingParams & {
  loss: "logLoss";
  /** Weights per class: "balanced" (n / (classes x count)), a map from label to weight, or null. */
  classWeight: "balanced" | Record<string, number> | null;
};
export type HistGradientBoostingRegressorParams = HistGradientBoostingParams & {
  loss: "squaredError" | "absoluteError" | "poisson";
};

/** A fitted tree plus each node's raw threshold (derived from the bins: +Infinity = split on missing). */
export type HistTreeState = HistTree & { threshold: Float64Array };

export interface HistGradientBoostingState {
  featureNames: string[];
  /** How each feature was binned: numeric thresholds or categories. */
  featureBins: FeatureBins[];
  /** The bin of missing values (= maxBins). */
  missingBin: number;
  /** Features that had missing values at fit (their splits learned where missing values go). */
  hasMissing: boolean[];
  /** Raw prediction before any tree, per output. */
  baseline: Float64Array;
  /** trees[iteration][output]. */
  trees: HistTreeState[][];
  /** Whether early stopping was on, and the scores it watched (higher is better; loss is negated). */
  earlyStopping: boolean;
  trainScore: Float64Array;
  validationScore: Float64Array;
  /** Total split gain per feature over all trees, normalised to sum 1 (LightGBM's "gain" importance). */
  featureImportances: Float64Array;
  classes?: string[];
  targetLevels?: string[];
  /** Threads that built histograms at fit. */
  threads: number;
}

interface HistTreeJSON {
  nodeCount: number;
  feature: number[];
  binThreshold: number[];
  missingLeft: number[];
  categorySet: number[];
  bitsets: number[];
  left: number[];
  right: number[];
  value: number[];
  count: number[];
  gain: number[];
  depth: number[];
}

export interface HistGradientBoostingStateJSON {
  featureNames: string[];
  featureBins: FeatureBinsJSON[];
  missingBin: number;
  hasMissing: boolean[];
  baseline: number[];
  trees: HistTreeJSON[][];
  earlyStopping: boolean;
  trainScore: number[];
  validationScore: number[];
  featureImportances: number[];
  classes?: string[];
  targetLevels?: string[];
  threads: number;
}

/** Rows x features below which worker threads cost more than they save. */
const PARALLEL_MIN_CELLS = 2_000_000;
/** sklearn scores a metric on at most this many training rows. */
const SMALL_TRAIN = 10_000;

function checkParams(kind: string, p: HistGradientBoostingParams): void {
  const int = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  if (!(typeof p.learningRate === "number" && p.learningRate > 0))
    throw invalidParam(kind, "learningRate", p.learningRate, "a number > 0");
  if (!int(p.maxIter, 1)) throw invalidParam(kind, "maxIter", p.maxIter, "an integer >= 1");
  if (p.maxLeafNodes !== null && !int(p.maxLeafNodes, 2))
    throw invalidParam(kind, "maxLeafNodes", p.maxLeafNodes, "null or an integer >= 2");
  if (p.maxDepth !== null && !int(p.maxDepth, 1))
    throw invalidParam(kind, "maxDepth", p.maxDepth, "null or an integer >= 1");
  if (!int(p.minSamplesLeaf, 1))
    throw invalidParam(kind, "minSamplesLeaf", p.minSamplesLeaf, "an integer >= 1");
  if (!(typeof p.l2Regularization === "number" && p.l2Regularization >= 0))
    throw invalidParam(kind, "l2Regularization", p.l2Regularization, "a number >= 0");
  if (!(int(p.maxBins, 2) && p.maxBins <= 255))
    throw invalidParam(kind, "maxBins", p.maxBins, "an integer in 2..255");
  const cf = p.categoricalFeatures;
  if (!(cf === null || cf === "auto" || (Array.isArray(cf) && cf.every((c) => typeof c === "string"))))
    throw invalidParam(kind, "categoricalFeatures", cf, '"auto", null or a list of column names');
  if (!(p.earlyStopping === "auto" || typeof p.earlyStopping === "boolean"))
    throw invalidParam(kind, "earlyStopping", p.earlyStopping, '"auto", true or false');
  const metrics = knownMetrics();
  if (
    typeof p.scoring !== "string" ||
    (p.scoring !== "loss" && metrics !== null && !metrics.includes(p.scoring))
  )
    throw invalidParam(
      kind,
      "scoring",
      p.scoring,
      `"loss"${metrics ? ` or one of ${metrics.join(", ")}` : " or a metric name"}`,
    );
  const vf = p.validationFraction;
  if (vf !== null && !((typeof vf === "number" && vf > 0 && vf < 1) || int(vf, 1)))
    throw invalidParam(kind, "validationFraction", vf, "null, a share in (0, 1) or a row count >= 1");
  if (!int(p.nIterNoChange, 1)) throw invalidParam(kind, "nIterNoChange", p.nIterNoChange, "an integer >= 1");
  if (!(typeof p.tol === "number" && p.tol >= 0)) throw invalidParam(kind, "tol", p.tol, "a number >= 0");
  if (p.randomState !== null && !Number.isInteger(p.randomState))
    throw invalidParam(kind, "randomState", p.randomState, "null or an integer");
  if (p.nJobs !== null && !(int(p.nJobs, 1) || p.nJobs === -1))
    throw invalidParam(kind, "nJobs", p.nJobs, "null (all cores), -1 or an integer >= 1");
}

function defaults<L extends LossName>(params: Partial<HistGradientBoostingParams>, loss: L) {
  return {
    loss,
    learningRate: params.learningRate ?? 0.1,
    maxIter: params.maxIter ?? 100,
    maxLeafNodes: params.maxLeafNodes === undefined ? 31 : params.maxLeafNodes,
    maxDepth: params.maxDepth ?? null,
    minSamplesLeaf: params.minSamplesLeaf ?? 20,
    l2Regularization: params.l2Regularization ?? 0,
    maxBins: params.maxBins ?? 255,
    categoricalFeatures: params.categoricalFeatures === undefined ? "auto" : params.categoricalFeatures,
    earlyStopping: params.earlyStopping ?? "auto",
    scoring: params.scoring ?? "loss",
    validationFraction: params.validationFraction === undefined ? 0.1 : params.validationFraction,
    nIterNoChange: params.nIterNoChange ?? 10,
    tol: params.tol ?? 1e-7,
    randomState: params.randomState ?? null,
    nJobs: params.nJobs ?? null,
  } as const;
}

/** What a fit needs to know about the target, prepared by the classifier or the regressor. */
interface TargetSpec {
  /** Class index (as a number) or target value per row. */
  y: Float64Array;
  weights: Float64Array | null;
  /** Class index per row, to stratify the validation split (classifier only). */
  strata: Int32Array | null;
  nClasses: number;
  /** The target as a column over the given rows, for metric scoring. */
  column(rows: Int32Array): Column;
  /** Predictions from raw values (column-major, n rows), for metric scoring. */
  scored(raw: Float64Array, n: number): ScoredPrediction;
}

interface BoostContext {
  names: string[];
  isCat: boolean[];
  rng: Random;
  loss: Loss;
  early: boolean;
  useVal: boolean;
  split: { train: Int32Array | null; val: Int32Array };
  ws: Workspace;
  meta: FeatureMeta;
  growParams: GrowParams;
  exec: Execution;
}

/** The validation rows (stratified by class when given), sorted; the rest train. */
function validationSplit(
  n: number,
  fraction: number,
  strata: Int32Array | null,
  rng: Random,
  kind: string,
): { train: Int32Array; val: Int32Array } {
  const nVal = fraction < 1 ? Math.ceil(fraction * n) : fraction;
  if (nVal >= n) {
    throw new MlshipError({
      what: `${kind}: validationFraction ${fraction} leaves no rows to train on (${n} rows)`,
      where: "params.validationFraction",
      fix: "use a smaller validationFraction, or set earlyStopping: false",
      code: "E_MODEL_PARAM",
    });
  }
  const isVal = new Uint8Array(n);
  if (strata === null) {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    for (let k = 0; k < nVal; k++) isVal[order[k]] = 1;
  } else {
    // each class gets its share, the remainder to the largest fractional parts (sklearn's approximate mode)
    const groups = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups.get(strata[i]);
      if (g) g.push(i);
      else groups.set(strata[i], [i]);
    }
    const classes = [...groups.keys()].sort((a, b) => a - b);
    const exact = classes.map((c) => (nVal * groups.get(c)!.length) / n);
    const take = exact.map(Math.floor);
    let left = nVal - take.reduce((a, b) => a + b, 0);
    const byRemainder = classes
      .map((_, k) => k)
      .sort((a, b) => exact[b] - take[b] - (exact[a] - take[a]) || a - b);
    for (const k of byRemainder) {
      if (left === 0) break;
      if (take[k] < groups.get(classes[k])!.length) {
        take[k]++;
        left--;
      }
    }
    classes.forEach((c, k) => {
      const rows = rng.shuffle(Int32Array.from(groups.get(c)!));
      for (let q = 0; q < take[k]; q++) isVal[rows[q]] = 1;
    });
  }
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) (isVal[i] ? val : train).push(i);
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

/** sklearn's _should_stop: none of the last nIterNoChange scores beats the one before them by tol. */
function shouldStop(scores: number[], nIterNoChange: number, tol: number): boolean {
  const ref = nIterNoChange + 1;
  if (scores.length < ref) return false;
  const reference = scores[scores.length - ref] + tol;
  for (let k = scores.length - ref + 1; k < scores.length; k++) if (scores[k] > reference) return false;
  return true;
}

function treeToJSON(t: HistTree): HistTreeJSON {
  return {
    nodeCount: t.nodeCount,
    feature: Array.from(t.feature),
    binThreshold: Array.from(t.binThreshold),
    missingLeft: Array.from(t.missingLeft),
    categorySet: Array.from(t.categorySet),
    bitsets: Array.from(t.bitsets),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    count: Array.from(t.count),
    gain: Array.from(t.gain),
    depth: Array.from(t.depth),
  };
}

function corrupt(kind: string, what: string): MlshipError {
  return new MlshipError({
    what: `${kind}: the saved trees are inconsistent (${what})`,
    fix: "re-fit the model and save it again; the file was edited or truncated",
    code: "E_MODEL_STATE",
  });
}

/** A saved tree, checked so that every walk over it ends at a leaf and reads only existing data. */
function treeFromJSON(j: HistTreeJSON, bins: readonly FeatureBins[], kind: string): HistTreeState {
  const c = j?.nodeCount;
  if (!Number.isInteger(c) || c < 1) throw corrupt(kind, "node count");
  const fields = [
    "feature",
    "binThreshold",
    "missingLeft",
    "categorySet",
    "left",
    "right",
    "value",
    "count",
    "gain",
    "depth",
  ] as const;
  for (const f of fields) {
    const a = j[f];
    if (!Array.isArray(a) || a.length !== c || a.some((v) => typeof v !== "number")) throw corrupt(kind, f);
  }
  if (!Array.isArray(j.bitsets) || j.bitsets.length % 8 !== 0) throw corrupt(kind, "bitsets");
  const t: HistTree = {
    nodeCount: c,
    feature: Int32Array.from(j.feature),
    binThreshold: Int32Array.from(j.binThreshold),
    missingLeft: Uint8Array.from(j.missingLeft),
    categorySet: Int32Array.from(j.categorySet),
    bitsets: Uint32Array.from(j.bitsets),
    left: Int32Array.from(j.left),
    right: Int32Array.from(j.right),
    value: Float64Array.from(j.value),
    count: Int32Array.from(j.count),
    gain: Float64Array.from(j.gain),
    depth: Int32Array.from(j.depth),
  };
  const nSets = t.bitsets.length / 8;
  for (let k = 0; k < c; k++) {
    const f = t.feature[k];
    if (f === -1) {
      if (!Number.isFinite(t.value[k])) throw corrupt(kind, "leaf value");
      continue;
    }
    // preorder: children come after their parent, so walks always move forward and end
    if (!(f >= 0 && f < bins.length)) throw corrupt(kind, "split feature");
    if (!(t.left[k] > k && t.left[k] < c && t.right[k] > k && t.right[k] < c))
      throw corrupt(kind, "children");
    const set = t.categorySet[k];
    if (set !== -1 && !(set >= 0 && set < nSets && bins[f].type === "categorical"))
      throw corrupt(kind, "category set");
    if (
      set === -1 &&
      !(bins[f].type === "numeric" && t.binThreshold[k] >= 0 && t.binThreshold[k] < binCount(bins[f]))
    )
      throw corrupt(kind, "bin threshold");
  }
  return { ...t, threshold: nodeThresholds(t, bins) };
}

abstract class HistGradientBoostingBase<P extends HistGradientBoostingParams> {
  abstract readonly kind: string;
  readonly params: Readonly<P>;
  protected fitted: HistGradientBoostingState | null;
  #walker: { walker: TreeWalker; handles: TreeHandle[][] } | null = null;

  constructor(params: P, state: HistGradientBoostingState | null, kind: string) {
    checkParams(kind, params);
    this.params = Object.freeze(params);
    this.fitted = state;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  get state(): HistGradientBoostingState {
    if (this.fitted === null) throw new NotFittedError(this.kind);
    return this.fitted;
  }

  get featureImportances(): Float64Array {
    return this.state.featureImportances;
  }

  /** Iterations actually run (fewer than maxIter when early stopping ended the fit). */
  get nIter(): number {
    return this.state.trees.length;
  }

  /** The features that are split as categories: by type, or as listed. */
  #categoricalFlags(X: Frame): boolean[] {
    const cf = this.params.categoricalFeatures;
    const listed = Array.isArray(cf) ? new Set(cf) : null;
    if (listed) {
      for (const name of listed) {
        if (!X.has(name)) {
          throw new MlshipError({
            what: `${this.kind}: categoricalFeatures names "${name}", which the data does not have`,
            where: "params.categoricalFeatures",
            fix: `use column names from: ${X.names.join(", ")}`,
            code: "E_MODEL_PARAM",
          });
        }
      }
    }
    return X.names.map((name) => {
      const type = X.column(name).type;
      if (type === "categorical" && cf !== "auto" && !listed?.has(name)) {
        throw new MlshipError({
          what: `${this.kind}: column "${name}" is categorical, but categoricalFeatures does not include it`,
          where: `column "${name}"`,
          fix: 'set categoricalFeatures: "auto" (or list the column), or encode it before the model',
          code: "E_MODEL_INPUT_TYPE",
        });
      }
      return type === "categorical" || (listed?.has(name) ?? false);
    });
  }

  protected grow(X: Frame, target: TargetSpec): HistGradientBoostingState {
    const p = this.params;
    const kind = this.kind;
    this.#walker = null;
    const n = X.nRows;
    if (n === 0) {
      throw new MlshipError({
        what: `${kind} cannot fit on zero rows`,
        fix: "pass training data with rows",
        code: "E_MODEL_INPUT_EMPTY",
      });
    }
    const names = [...X.names];
    const isCat = this.#categoricalFlags(X);
    const seed =
      p.randomState === null ? (Math.random() * 4294967296) >>> 0 : new Random(p.randomState).nextUint32();
    const rng = new Random(seed);
    const loss = lossFor(p.loss, target.nClasses);
    const K = loss.nOutputs;

    const early = p.earlyStopping === "auto" ? n > 10_000 : p.earlyStopping === true;
    const useVal = early && p.validationFraction !== null;
    const split = useVal
      ? validationSplit(n, p.validationFraction!, target.strata, rng, kind)
      : { train: null, val: new Int32Array(0) };
    const trainRows = split.train;
    const nTrain = trainRows === null ? n : trainRows.length;

    const p0 = names.length;
    const missingBin = p.maxBins;
    const nJobs = p.nJobs === null || p.nJobs === -1 ? availableParallelism() : p.nJobs;
    const threads = nJobs > 1 && p0 > 1 && nTrain * p0 >= PARALLEL_MIN_CELLS ? nJobs : 1;
    const ws = new Workspace(workspaceLayout(nTrain, p0, K), threads > 1, (p.maxLeafNodes ?? 31) + 2);
    const meta: FeatureMeta = {
      nBins: ws.nBins,
      hasMissing: ws.hasMissing,
      isCategorical: ws.isCategorical,
      missingBin,
    };
    const growParams: GrowParams = {
      maxLeafNodes: p.maxLeafNodes,
      maxDepth: p.maxDepth,
      minSamplesLeaf: p.minSamplesLeaf,
      l2Regularization: p.l2Regularization,
      learningRate: p.learningRate,
    };
    // workers start now and get ready while this thread bins the data
    const exec = executorFor(ws, meta, growParams, threads, {
      loss: p.loss,
      nClasses: target.nClasses,
      weighted: target.weights !== null,
    });
    try {
      return this.#boost(X, target, {
        names,
        isCat,
        rng,
        loss,
        early,
        useVal,
        split,
        ws,
        meta,
        growParams,
        exec,
      });
    } finally {
      exec.close();
    }
  }

  #boost(X: Frame, target: TargetSpec, c: BoostContext): HistGradientBoostingState {
    const p = this.params;
    const kind = this.kind;
    const { names, isCat, rng, loss, early, useVal, split, ws, meta, growParams, exec } = c;
    const K = loss.nOutputs;
    const trainRows = split.train;
    const nTrain = ws.layout.nRows;
    const nVal = split.val.length;
    const missingBin = meta.missingBin;
    const binner = new Binner();
    const featureBins: FeatureBins[] = names.map((name, f) => {
      const col = X.column(name);
      if (isCat[f]) return categoriesOf(col, name, p.maxBins, kind);
      const all = numericValues(col);
      const values = trainRows === null ? all : gather(all, trainRows);
      return { type: "numeric", thresholds: numericThresholds(values, p.maxBins, binner, rng) };
    });
    const valBins = new Uint8Array(nVal * names.length);
    names.forEach((name, f) => {
      const col = X.column(name);
      const out = ws.bins.subarray(f * nTrain, (f + 1) * nTrain);
      binColumn(col, featureBins[f], trainRows, missingBin, out, binner);
      meta.nBins[f] = binCount(featureBins[f]);
      meta.hasMissing[f] = out.includes(missingBin) ? 1 : 0;
      meta.isCategorical[f] = isCat[f] ? 1 : 0;
      if (nVal > 0)
        binColumn(
          col,
          featureBins[f],
          split.val,
          missingBin,
          valBins.subarray(f * nVal, (f + 1) * nVal),
          binner,
        );
    });
    const hasMissing = meta.hasMissing;

    const take = (a: Float64Array, rows: Int32Array | null) => (rows === null ? a : gather(a, rows));
    // the training rows' target, weights and raw predictions live in the workspace, where threads read them
    const yTrain = ws.y;
    yTrain.set(take(target.y, trainRows));
    const wTrain = target.weights === null ? null : ws.w;
    if (wTrain !== null && target.weights !== null) wTrain.set(take(target.weights, trainRows));
    const yVal = take(target.y, split.val);
    const wVal = target.weights === null ? null : take(target.weights, split.val);
    const trainIndex = trainRows ?? Int32Array.from({ length: nTrain }, (_, i) => i);

    const baseline = loss.baseline(yTrain, wTrain);
    const raw = ws.raw;
    for (let k = 0; k < K; k++) raw.fill(baseline[k], k * nTrain, (k + 1) * nTrain);
    // validation rows are walked on their bins, each tree as soon as it is grown
    const valWalker = new TreeWalker();
    valWalker.setRows(binnedMatrix(valBins, nVal, names.length, missingBin), nVal, names.length, baseline);

    // Early stopping scores, higher is better.
    const trainScore: number[] = [];
    const validationScore: number[] = [];
    let scoreIteration: () => boolean = () => false;
    if (early) {
      if (p.scoring === "loss") {
        scoreIteration = () => {
          trainScore.push(-loss.loss(yTrain, raw, wTrain));
          if (!useVal) return shouldStop(trainScore, p.nIterNoChange, p.tol);
          validationScore.push(-loss.loss(yVal, valWalker.output(), wVal));
          return shouldStop(validationScore, p.nIterNoChange, p.tol);
        };
      } else {
        const scorer = metricScorer(p.scoring, kind);
        const small = smallTrainSet(
          nTrain,
          target.strata === null ? null : Int32Array.from(trainIndex, (i) => target.strata![i]),
          rng,
        );
        const ySmall = target.column(Int32Array.from(small, (r) => trainIndex[r]));
        const yValColumn = target.column(split.val);
        const rawSmall = new Float64Array(K * small.length);
        scoreIteration = () => {
          for (let k = 0; k < K; k++)
            for (let q = 0; q < small.length; q++)
              rawSmall[k * small.length + q] = raw[k * nTrain + small[q]];
          trainScore.push(scorer(ySmall, target.scored(rawSmall, small.length)));
          if (!useVal) return shouldStop(trainScore, p.nIterNoChange, p.tol);
          validationScore.push(scorer(yValColumn, target.scored(valWalker.output(), nVal)));
          return shouldStop(validationScore, p.nIterNoChange, p.tol);
        };
      }
      scoreIteration();
    }

    const trees: HistTreeState[][] = [];
    const residual = new Float64Array(nTrain);
    const idx = ws.idx;
    const importance = new Float64Array(names.length);
    for (let iter = 0; iter < p.maxIter; iter++) {
      exec.gradients();
      const round: HistTreeState[] = [];
      for (let k = 0; k < K; k++) {
        const grown = growTree({
          ws,
          gh: ws.ghOffset(k),
          constantHessian: loss.constantHessian,
          meta,
          params: growParams,
          exec: exec.executor,
        });
        const { tree, leafStart, leafCount, leafNode } = grown;
        const off = k * nTrain;
        for (let leaf = 0; leaf < leafNode.length; leaf++) {
          const start = leafStart[leaf];
          const end = start + leafCount[leaf];
          if (loss.name === "absoluteError") {
            // the Newton step of |y - raw| is meaningless: sklearn sets the leaf to the median residual
            const rows = idx.subarray(start, end);
            const r = residual.subarray(0, rows.length);
            for (let q = 0; q < rows.length; q++) r[q] = yTrain[rows[q]] - raw[rows[q]];
            const m =
              wTrain === null
                ? median(r)
                : weightedMedian(
                    r,
                    Float64Array.from(rows, (i) => wTrain[i]),
                  );
            tree.value[leafNode[leaf]] = p.learningRate * m;
          }
          const v = tree.value[leafNode[leaf]];
          for (let q = start; q < end; q++) raw[off + idx[q]] += v;
        }
        if (nVal > 0) valWalker.walk(valWalker.appendTree(tree, Float64Array.from(tree.binThreshold)), k);
        for (let node = 0; node < tree.nodeCount; node++)
          if (tree.feature[node] >= 0) importance[tree.feature[node]] += tree.gain[node];
        round.push({ ...tree, threshold: nodeThresholds(tree, featureBins) });
      }
      trees.push(round);
      if (early && scoreIteration()) break;
    }
    let total = 0;
    for (let f = 0; f < importance.length; f++) total += importance[f];
    if (total > 0) for (let f = 0; f < importance.length; f++) importance[f] /= total;
    return {
      featureNames: names,
      featureBins,
      missingBin,
      hasMissing: Array.from(hasMissing, (h) => h === 1),
      baseline,
      trees,
      earlyStopping: early,
      trainScore: Float64Array.from(trainScore),
      validationScore: Float64Array.from(validationScore),
      featureImportances: importance,
      threads: exec.threads,
    };
  }

  /** The trees packed for walking, built on first use (a fitted state is never mutated). */
  #walkerFor(): { walker: TreeWalker; handles: TreeHandle[][] } {
    if (this.#walker === null) {
      const walker = new TreeWalker();
      const s = this.state;
      const K = s.baseline.length;
      const flat = walker.packTrees(s.trees.flat().map((t) => ({ tree: t, thresholds: t.threshold })));
      const handles = s.trees.map((_, iter) => flat.slice(iter * K, (iter + 1) * K));
      this.#walker = { walker, handles };
    }
    return this.#walker;
  }

  /**
   * Raw predictions (column-major n x outputs) after each iteration. Each is a view into the walker's
   * memory, valid until the next prediction: callers copy or transform it before asking for more.
   */
  protected *stagedRaw(X: Frame): Generator<Float64Array> {
    const s = this.state;
    const M = predictionMatrix(X, s.featureNames, s.featureBins, this.kind);
    const { walker, handles } = this.#walkerFor();
    walker.setRows(M, X.nRows, s.featureNames.length, s.baseline);
    for (const round of handles) {
      round.forEach((h, k) => {
        walker.walk(h, k);
      });
      yield walker.output();
    }
  }

  /** Raw predictions after every tree (a copy). */
  protected rawPredict(X: Frame): Float64Array {
    const s = this.state;
    const M = predictionMatrix(X, s.featureNames, s.featureBins, this.kind);
    const { walker, handles } = this.#walkerFor();
    walker.setRows(M, X.nRows, s.featureNames.length, s.baseline);
    walker.walkAll(handles);
    return walker.output().slice();
  }

  toJSON(): EstimatorJSON<P, HistGradientBoostingStateJSON> {
    const s = this.fitted;
    return {
      kind: this.kind,
      params: { ...this.params },
      state:
        s === null
          ? null
          : {
              featureNames: [...s.featureNames],
              featureBins: s.featureBins.map(binsToJSON),
              missingBin: s.missingBin,
              hasMissing: [...s.hasMissing],
              baseline: Array.from(s.baseline),
              trees: s.trees.map((round) => round.map(treeToJSON)),
              earlyStopping: s.earlyStopping,
              trainScore: Array.from(s.trainScore),
              validationScore: Array.from(s.validationScore),
              featureImportances: Array.from(s.featureImportances),
              ...(s.classes ? { classes: [...s.classes], targetLevels: [...(s.targetLevels ?? [])] } : {}),
              threads: s.threads,
            },
    };
  }
}

/** At most SMALL_TRAIN training positions (stratified when classes are given), sorted. */
function smallTrainSet(n: number, strata: Int32Array | null, rng: Random): Int32Array {
  if (n <= SMALL_TRAIN) return Int32Array.from({ length: n }, (_, i) => i);
  const { val } = validationSplit(n, SMALL_TRAIN, strata, rng, "small training set");
  return val;
}

function stateFromJSON(
  j: HistGradientBoostingStateJSON | null,
  maxBins: number,
  kind: string,
  nOutputs: (j: HistGradientBoostingStateJSON) => number,
): HistGradientBoostingState | null {
  if (j === null) return null;
  if (
    !Array.isArray(j.featureNames) ||
    !Array.isArray(j.featureBins) ||
    j.featureBins.length !== j.featureNames.length
  )
    throw corrupt(kind, "features");
  const bins = j.featureBins.map((b) => binsFromJSON(b, maxBins, kind));
  const K = nOutputs(j);
  if (!Array.isArray(j.baseline) || j.baseline.length !== K || !Array.isArray(j.trees))
    throw corrupt(kind, "baseline");
  const trees = j.trees.map((round) => {
    if (!Array.isArray(round) || round.length !== K) throw corrupt(kind, "trees per iteration");
    return round.map((t) => treeFromJSON(t, bins, kind));
  });
  if (j.missingBin !== maxBins) throw corrupt(kind, "missing bin");
  return {
    featureNames: j.featureNames.map(String),
    featureBins: bins,
    missingBin: j.missingBin,
    hasMissing: j.hasMissing.map(Boolean),
    baseline: Float64Array.from(j.baseline),
    trees,
    earlyStopping: Boolean(j.earlyStopping),
    trainScore: Float64Array.from(j.trainScore),
    validationScore: Float64Array.from(j.validationScore),
    featureImportances: Float64Array.from(j.featureImportances),
    ...(j.classes
      ? { classes: j.classes.map(String), targetLevels: (j.targetLevels ?? []).map(String) }
      : {}),
    threads: j.threads,
  };
}

const CLASSIFIER = "histGradientBoostingClassifier";
const REGRESSOR = "histGradientBoostingRegressor";

export class HistGradientBoostingClassifier
  extends HistGradientBoostingBase<HistGradientBoostingClassifierParams>
  implements Classifier<HistGradientBoostingClassifierParams>
{
  readonly kind = CLASSIFIER;
  readonly task = "classification" as const;

  constructor(
    params: Partial<HistGradientBoostingClassifierParams> = {},
    state: HistGradientBoostingState | null = null,
  ) {
    const loss = params.loss ?? "logLoss";
    if (loss !== "logLoss") throw invalidParam(CLASSIFIER, "loss", loss, '"logLoss"');
    const cw = params.classWeight ?? null;
    if (
      !(
        cw === null ||
        cw === "balanced" ||
        (typeof cw === "object" &&
          !Array.isArray(cw) &&
          Object.values(cw).every((v) => typeof v === "number" && v >= 0))
      )
    )
      throw invalidParam(
        CLASSIFIER,
        "classWeight",
        cw,
        'null, "balanced" or a map from class label to a weight >= 0',
      );
    super(
      { ...defaults(params, loss), classWeight: cw } as HistGradientBoostingClassifierParams,
      state,
      CLASSIFIER,
    );
  }

  get classes(): readonly string[] {
    return this.state.classes ?? [];
  }

  fit(X: Frame, y?: Column): this {
    const t = classTarget(y, X.nRows, this.kind);
    const K = t.classes.length;
    const cw = this.params.classWeight;
    let weights: Float64Array | null = null;
    if (cw !== null) {
      const perClass = t.classes.map((c, k) =>
        cw === "balanced" ? X.nRows / (K * t.counts[k]) : (cw[c] ?? 1),
      );
      weights = Float64Array.from(t.index, (k) => perClass[k]);
    }
    const state = this.grow(X, {
      y: Float64Array.from(t.index),
      weights,
      strata: t.index,
      nClasses: K,
      column: (rows) =>
        categorical(
          Int32Array.from(rows, (i) => t.index[i]),
          t.classes,
        ),
      scored: (raw, n) => ({ proba: probabilities(raw, n, K), classes: t.classes }),
    });
    this.fitted = { ...state, classes: t.classes, targetLevels: t.levels };
    return this;
  }

  /** Raw scores before the link: n values (binary) or row-major n x classes (multiclass). */
  decisionFunction(X: Frame): Float64Array {
    return rowMajor(this.rawPredict(X), X.nRows);
  }

  predictProba(X: Frame): Float64Array {
    return probabilities(this.rawPredict(X), X.nRows, this.classes.length);
  }

  predict(X: Frame): Column {
    return this.predictWithProba(X).labels;
  }

  predictWithProba(X: Frame): { labels: Column; proba: Float64Array } {
    const proba = this.predictProba(X);
    return { labels: predictLabels(proba, this.classes, this.state.targetLevels ?? []), proba };
  }

  /** Probabilities after each iteration (sklearn's staged_predict_proba). */
  *stagedPredictProba(X: Frame): Generator<Float64Array> {
    for (const raw of this.stagedRaw(X)) yield probabilities(raw, X.nRows, this.classes.length);
  }

  *stagedPredict(X: Frame): Generator<Column> {
    for (const proba of this.stagedPredictProba(X))
      yield predictLabels(proba, this.classes, this.state.targetLevels ?? []);
  }

  *stagedDecisionFunction(X: Frame): Generator<Float64Array> {
    for (const raw of this.stagedRaw(X)) yield rowMajor(raw, X.nRows);
  }

  score(X: Frame, y?: Column): number {
    return accuracy(this.predict(X), y, this.kind);
  }

  static fromJSON(json: EstimatorJSON): HistGradientBoostingClassifier {
    const params = json.params as Partial<HistGradientBoostingClassifierParams>;
    const j = json.state as HistGradientBoostingStateJSON | null;
    const maxBins = params.maxBins ?? 255;
    return new HistGradientBoostingClassifier(
      params,
      stateFromJSON(j, maxBins, CLASSIFIER, (s) => {
        const K = Array.isArray(s.classes) ? s.classes.length : 0;
        if (K < 2) throw corrupt(CLASSIFIER, "classes");
        return K === 2 ? 1 : K;
      }),
    );
  }
}

export class HistGradientBoostingRegressor
  extends HistGradientBoostingBase<HistGradientBoostingRegressorParams>
  implements Predictor<HistGradientBoostingRegressorParams>
{
  readonly kind = REGRESSOR;
  readonly task = "regression" as const;

  constructor(
    params: Partial<HistGradientBoostingRegressorParams> = {},
    state: HistGradientBoostingState | null = null,
  ) {
    const loss = params.loss ?? "squaredError";
    if (loss !== "squaredError" && loss !== "absoluteError" && loss !== "poisson")
      throw invalidParam(REGRESSOR, "loss", loss, '"squaredError", "absoluteError" or "poisson"');
    super(defaults(params, loss) as HistGradientBoostingRegressorParams, state, REGRESSOR);
  }

  fit(X: Frame, y?: Column): this {
    const yv = regressionTarget(y, X.nRows, this.kind);
    if (this.params.loss === "poisson") {
      let sum = 0;
      for (let i = 0; i < yv.length; i++) {
        if (yv[i] < 0) {
          throw new MlshipError({
            what: `${this.kind}: loss "poisson" needs a target >= 0, found ${yv[i]} at row ${i}`,
            fix: 'use loss "squaredError", or model a count or rate target',
            code: "E_MODEL_TARGET_RANGE",
          });
        }
        sum += yv[i];
      }
      if (!(sum > 0)) {
        throw new MlshipError({
          what: `${this.kind}: loss "poisson" needs a target with a positive sum, got all zeros`,
          fix: 'use loss "squaredError", or check the target column',
          code: "E_MODEL_TARGET_RANGE",
        });
      }
    }
    const inverse = this.#inverse();
    this.fitted = this.grow(X, {
      y: Float64Array.from(yv),
      weights: null,
      strata: null,
      nClasses: 1,
      column: (rows) => numeric(Float64Array.from(rows, (i) => yv[i])),
      scored: (raw) => ({ values: raw.map(inverse) }),
    });
    return this;
  }

  #inverse(): (v: number) => number {
    return this.params.loss === "poisson" ? Math.exp : (v) => v;
  }

  predict(X: Frame): Column {
    return numeric(this.rawPredict(X).map(this.#inverse()));
  }

  /** Predictions after each iteration (sklearn's staged_predict). */
  *stagedPredict(X: Frame): Generator<Column> {
    const inverse = this.#inverse();
    for (const raw of this.stagedRaw(X)) yield numeric(raw.map(inverse));
  }

  /** R². */
  score(X: Frame, y?: Column): number {
    return r2((this.predict(X) as { values: Float64Array }).values, y, this.kind);
  }

  static fromJSON(json: EstimatorJSON): HistGradientBoostingRegressor {
    const params = json.params as Partial<HistGradientBoostingRegressorParams>;
    return new HistGradientBoostingRegressor(
      params,
      stateFromJSON(
        json.state as HistGradientBoostingStateJSON | null,
        params.maxBins ?? 255,
        REGRESSOR,
        () => 1,
      ),
    );
  }
}

/** Column-major n x K to row-major (the same array when K = 1). */
function rowMajor(raw: Float64Array, n: number): Float64Array {
  const K = n === 0 ? 1 : raw.length / n;
  if (K === 1) return Float64Array.from(raw);
  const out = new Float64Array(raw.length);
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) out[i * K + k] = raw[k * n + i];
  return out;
}

registerKind(CLASSIFIER, HistGradientBoostingClassifier.fromJSON);
registerKind(REGRESSOR, HistGradientBoostingRegressor.fromJSON);

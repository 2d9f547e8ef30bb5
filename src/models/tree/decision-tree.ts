/**
 * DecisionTreeClassifier and DecisionTreeRegressor: sklearn 1.2's CART (best splitter, depth-first),
 * see cart.ts for how closely it follows sklearn.
 */
import { NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame, numeric } from "../../core/frame.js";
import type { Classifier, EstimatorJSON, Predictor } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { Random } from "../../core/random.js";
import { invalidParam } from "../input.js";
import {
  addTreePrediction,
  computeRanks,
  type GrowOptions,
  growTree,
  MAX_DEPTH_UNLIMITED,
  type TrainData,
  type TreeArrays,
  toRowMajor,
  treeFeatureImportances,
} from "./cart.js";
import {
  accuracyScore,
  checkTreeParams,
  classTarget,
  featureMatrix,
  type MaxFeatures,
  numericScoreTarget,
  r2Score,
  regressionTarget,
  resolveMaxFeatures,
} from "./data.js";
import { type TreeJSON, treeFromJSON, treeToJSON } from "./tree-json.js";

export interface DecisionTreeParams {
  [key: string]: unknown;
  criterion: "gini" | "entropy" | "squaredError";
  /** null grows until leaves are pure or smaller than minSamplesSplit. */
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Candidate features per node: "sqrt", "log2", a fraction in (0, 1], an integer count, or null = all. */
  maxFeatures: MaxFeatures;
  /** Seeds the draw of candidate features (which also breaks ties between equally good splits). */
  randomState: number | null;
}

export type DecisionTreeClassifierParams = DecisionTreeParams & { criterion: "gini" | "entropy" };
export type DecisionTreeRegressorParams = DecisionTreeParams & { criterion: "squaredError" };

/** Learned state: the tree in sklearn's array layout plus what is needed to read it. */
export interface DecisionTreeState extends TreeArrays {
  featureNames: string[];
  /** Impurity-based, normalised to sum 1 (sklearn's feature_importances_). */
  featureImportances: Float64Array;
  /** Classifier only: labels present at fit (predictProba's columns), and the target's levels. */
  classes?: string[];
  targetLevels?: string[];
}

export interface DecisionTreeStateJSON {
  featureNames: string[];
  featureImportances: number[];
  classes?: string[];
  targetLevels?: string[];
  tree: TreeJSON;
}

/** The uint32 seed of sklearn's xorshift feature sampler, from a user seed (random when null). */
export function splitterSeed(randomState: number | null): number {
  if (randomState === null) return (Math.random() * 4294967296) >>> 0;
  return new Random(randomState).nextUint32();
}

export function growOptions(p: DecisionTreeParams, nFeatures: number, kind: string): GrowOptions {
  return {
    criterion: p.criterion,
    maxDepth: p.maxDepth ?? MAX_DEPTH_UNLIMITED,
    minSamplesSplit: p.minSamplesSplit,
    minSamplesLeaf: p.minSamplesLeaf,
    maxFeatures: resolveMaxFeatures(p.maxFeatures, nFeatures, kind),
  };
}

abstract class DecisionTreeBase<P extends DecisionTreeParams> {
  abstract readonly kind: string;
  readonly params: Readonly<P>;
  protected fitted: DecisionTreeState | null;

  constructor(params: P, state: DecisionTreeState | null, kind: string) {
    checkTreeParams(kind, params);
    if (params.randomState !== null && !Number.isInteger(params.randomState))
      throw invalidParam(kind, "randomState", params.randomState, "null or an integer");
    this.params = Object.freeze(params);
    this.fitted = state;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  get state(): DecisionTreeState {
    if (this.fitted === null) throw new NotFittedError(this.kind);
    return this.fitted;
  }

  get featureImportances(): Float64Array {
    return this.state.featureImportances;
  }

  protected grow(X: Frame, data: Omit<TrainData, "X" | "ranks" | "nRows" | "nFeatures">): TreeArrays {
    const m = featureMatrix(X, this.kind);
    const full: TrainData = {
      ...data,
      X: m.data,
      ranks: computeRanks(m.data, m.nRows, m.nCols),
      nRows: m.nRows,
      nFeatures: m.nCols,
    };
    return growTree(
      full,
      growOptions(this.params, m.nCols, this.kind),
      null,
      splitterSeed(this.params.randomState),
    );
  }

  /** Sum of leaf values per row (row-major n x nOutputs). */
  protected leafValues(X: Frame, normalise: boolean): Float64Array {
    const s = this.state;
    const m = featureMatrix(X, this.kind, s.featureNames);
    const out = new Float64Array(m.nRows * s.nOutputs);
    addTreePrediction(s, toRowMajor(m.data, m.nRows, m.nCols), m.nCols, out, normalise);
    return out;
  }

  toJSON(): EstimatorJSON<P, DecisionTreeStateJSON> {
    const s = this.fitted;
    return {
      kind: this.kind,
      params: { ...this.params },
      state:
        s === null
          ? null
          : {
              featureNames: [...s.featureNames],
              featureImportances: Array.from(s.featureImportances),
              ...(s.classes ? { classes: [...s.classes], targetLevels: [...(s.targetLevels ?? [])] } : {}),
              tree: treeToJSON(s),
            },
    };
  }
}

export function stateFromJSON(j: DecisionTreeStateJSON | null, kind: string): DecisionTreeState | null {
  if (j === null) return null;
  return {
    ...treeFromJSON(j.tree, kind),
    featureNames: j.featureNames,
    featureImportances: Float64Array.from(j.featureImportances),
    ...(j.classes ? { classes: j.classes, targetLevels: j.targetLevels } : {}),
  };
}

const CLASSIFIER = "decisionTreeClassifier";
const REGRESSOR = "decisionTreeRegressor";

export class DecisionTreeClassifier
  extends DecisionTreeBase<DecisionTreeClassifierParams>
  implements Classifier<DecisionTreeClassifierParams>
{
  readonly kind = CLASSIFIER;
  readonly task = "classification" as const;

  constructor(params: Partial<DecisionTreeClassifierParams> = {}, state: DecisionTreeState | null = null) {
    const criterion = params.criterion ?? "gini";
    if (criterion !== "gini" && criterion !== "entropy")
      throw invalidParam(CLASSIFIER, "criterion", criterion, '"gini" or "entropy"');
    super(
      {
        criterion,
        maxDepth: params.maxDepth ?? null,
        minSamplesSplit: params.minSamplesSplit ?? 2,
        minSamplesLeaf: params.minSamplesLeaf ?? 1,
        maxFeatures: params.maxFeatures ?? null,
        randomState: params.randomState ?? null,
      },
      state,
      CLASSIFIER,
    );
  }

  get classes(): readonly string[] {
    return this.state.classes ?? [];
  }

  fit(X: Frame, y?: Column): this {
    const t = classTarget(y, X.nRows, this.kind);
    const tree = this.grow(X, { yClass: t.index, yValue: null, nOutputs: t.classes.length });
    this.fitted = {
      ...tree,
      featureNames: [...X.names],
      featureImportances: treeFeatureImportances(tree, X.nCols),
      classes: t.classes,
      targetLevels: t.targetLevels,
    };
    return this;
  }

  /** Row-major n x classes: the class shares of the training samples in each row's leaf. */
  predictProba(X: Frame): Float64Array {
    return this.leafValues(X, true);
  }

  predict(X: Frame): Column {
    return this.predictWithProba(X).labels;
  }

  predictWithProba(X: Frame): { labels: Column; proba: Float64Array } {
    const proba = this.predictProba(X);
    return { labels: predictLabels(proba, this.state.classes ?? [], this.state.targetLevels ?? []), proba };
  }

  score(X: Frame, y?: Column): number {
    const pred = this.predict(X) as { codes: Int32Array; levels: readonly string[] };
    return accuracyScore(this.kind, y, pred.codes, pred.levels);
  }

  static fromJSON(json: EstimatorJSON): DecisionTreeClassifier {
    return new DecisionTreeClassifier(
      json.params as Partial<DecisionTreeClassifierParams>,
      stateFromJSON(json.state as DecisionTreeStateJSON | null, CLASSIFIER),
    );
  }
}

export class DecisionTreeRegressor
  extends DecisionTreeBase<DecisionTreeRegressorParams>
  implements Predictor<DecisionTreeRegressorParams>
{
  readonly kind = REGRESSOR;
  readonly task = "regression" as const;

  constructor(params: Partial<DecisionTreeRegressorParams> = {}, state: DecisionTreeState | null = null) {
    const criterion = params.criterion ?? "squaredError";
    if (criterion !== "squaredError") throw invalidParam(REGRESSOR, "criterion", criterion, '"squaredError"');
    super(
      {
        criterion,
        maxDepth: params.maxDepth ?? null,
        minSamplesSplit: params.minSamplesSplit ?? 2,
        minSamplesLeaf: params.minSamplesLeaf ?? 1,
        maxFeatures: params.maxFeatures ?? null,
        randomState: params.randomState ?? null,
      },
      state,
      REGRESSOR,
    );
  }

  fit(X: Frame, y?: Column): this {
    const yv = regressionTarget(y, X.nRows, this.kind);
    const tree = this.grow(X, { yClass: null, yValue: yv, nOutputs: 1 });
    this.fitted = {
      ...tree,
      featureNames: [...X.names],
      featureImportances: treeFeatureImportances(tree, X.nCols),
    };
    return this;
  }

  predict(X: Frame): Column {
    return numeric(this.leafValues(X, false));
  }

  /** R². */
  score(X: Frame, y?: Column): number {
    const pred = (this.predict(X) as { values: Float64Array }).values;
    return r2Score(numericScoreTarget(this.kind, y, X.nRows), pred);
  }

  static fromJSON(json: EstimatorJSON): DecisionTreeRegressor {
    return new DecisionTreeRegressor(
      json.params as Partial<DecisionTreeRegressorParams>,
      stateFromJSON(json.state as DecisionTreeStateJSON | null, REGRESSOR),
    );
  }
}

/** Argmax of each probability row (first maximum, like numpy) as codes into the target's levels. */
export function predictLabels(
  proba: Float64Array,
  classes: readonly string[],
  targetLevels: readonly string[],
): Column {
  const K = classes.length;
  const n = K === 0 ? 0 : proba.length / K;
  const levelOf = classes.map((c) => targetLevels.indexOf(c));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (proba[i * K + c] > proba[i * K + best]) best = c;
    codes[i] = levelOf[best];
  }
  return categorical(codes, targetLevels);
}

registerKind(CLASSIFIER, DecisionTreeClassifier.fromJSON);
registerKind(REGRESSOR, DecisionTreeRegressor.fromJSON);

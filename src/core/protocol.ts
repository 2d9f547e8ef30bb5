/**
 * The one protocol shared by transformers and (later) models, after scikit-learn's API design:
 * constructor takes a typed params object with sensible defaults; fit learns state; learned state is
 * inspectable through `state`; toJSON/fromJSON round-trip through plain data (no code on load).
 */
import type { Column, Frame } from "./frame.js";

/** Params are plain JSON data so they can be logged, compared and serialised. */
export type Params = { readonly [key: string]: unknown };

/** The serialised form of any fitted or unfitted estimator. `kind` resolves through the fixed registry. */
export interface EstimatorJSON<P = Params, S = unknown> {
  kind: string;
  params: P;
  /** null when unfitted. */
  state: S | null;
}

export interface Estimator<P extends Params = Params, S = unknown> {
  /** Registry key, e.g. "standardScaler". */
  readonly kind: string;
  readonly params: Readonly<P>;
  /** Learned state; throws NotFittedError before fit. */
  readonly state: S;
  readonly isFitted: boolean;
  fit(X: Frame, y?: Column): this;
  toJSON(): EstimatorJSON<P, S>;
}

export interface Transformer<P extends Params = Params, S = unknown> extends Estimator<P, S> {
  transform(X: Frame): Frame;
  fitTransform(X: Frame, y?: Column): Frame;
}

export function isTransformer(e: Estimator): e is Transformer {
  return typeof (e as Partial<Transformer>).transform === "function";
}

type Reviver = (json: EstimatorJSON) => Estimator;

/**
 * Fixed registry of estimator kinds. Filled by our own modules at import time; an artifact can only name
 * a kind listed here, so loading never resolves arbitrary classes or runs code from the file.
 */
const registry = new Map<string, Reviver>();

export function registerKind(kind: string, revive: Reviver): void {
  registry.set(kind, revive);
}

export function registeredKinds(): string[] {
  return [...registry.keys()].sort();
}

export function reviveEstimator(json: unknown): Estimator {
  if (typeof json !== "object" || json === null || typeof (json as EstimatorJSON).kind !== "string") {
    throw new TypeError("not an estimator: expected an object with a string 'kind'");
  }
  const e = json as EstimatorJSON;
  const revive = registry.get(e.kind);
  if (!revive)
    throw new TypeError(`unknown estimator kind "${e.kind}" (known: ${registeredKinds().join(", ")})`);
  return revive(e);
}

/**
 * A fitted model. Classification targets are categorical columns (levels are the class labels) and
 * `predict` returns a categorical column with the same levels; regression targets and predictions are
 * numeric columns. Clustering returns a categorical column of cluster ids ("0", "1", ...).
 */
export interface Predictor<P extends Params = Params, S = unknown> extends Estimator<P, S> {
  readonly task: "classification" | "regression" | "clustering";
  predict(X: Frame): Column;
  /** Default score: accuracy for classifiers, R² for regressors, negative inertia for clustering. */
  score(X: Frame, y?: Column): number;
}

export interface Classifier<P extends Params = Params, S = unknown> extends Predictor<P, S> {
  readonly task: "classification";
  /** Class labels in the column order of predictProba. */
  readonly classes: readonly string[];
  /** Row-major n x classes.length probabilities. */
  predictProba(X: Frame): Float64Array;
}

/**
 * A classifier whose labels come from the same pass as its probabilities: `predictWithProba` returns
 * exactly what `predict` and `predictProba` would, for about the cost of one of them (scoring a fold,
 * a batch or a request wants both).
 */
export interface JointClassifier<P extends Params = Params, S = unknown> extends Classifier<P, S> {
  predictWithProba(X: Frame): { labels: Column; proba: Float64Array };
}

export function isPredictor(e: Estimator): e is Predictor {
  return typeof (e as Partial<Predictor>).predict === "function";
}

export function isClassifier(e: Estimator): e is Classifier {
  return isPredictor(e) && typeof (e as Partial<Classifier>).predictProba === "function";
}

export function predictsJointly(e: Estimator): e is JointClassifier {
  return isClassifier(e) && typeof (e as Partial<JointClassifier>).predictWithProba === "function";
}

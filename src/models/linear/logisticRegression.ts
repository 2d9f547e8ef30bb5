/**
 * Logistic regression fitted by L-BFGS, with sklearn 1.2's objective for the lbfgs solver:
 *   Σᵢ sᵢ · logloss(yᵢ, xᵢ·w + b) + 1/(2C) ‖w‖²      (intercept not penalised; sᵢ = class weight)
 * Two classes use one weight vector (the logit of the second class); more classes use the multinomial
 * (softmax) model with one vector per class. Each evaluation's products over the design matrix (and the
 * whole binary loss) run in the column kernels (simdKernels.ts: WebAssembly SIMD, else JavaScript).
 */

import { NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame } from "../../core/frame.js";
import type { Classifier, EstimatorJSON, Transformer } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { type ColumnScaling, scalesColumns } from "../../prep/scalers.js";
import { type ClassTarget, classTarget, invalidParam } from "../input.js";
import { LOG_BLOCK } from "./columnKernels.js";
import {
  addScaledColumns,
  addWeightedColumns,
  assertFinite,
  type DesignMatrix,
  designColumns,
  designMatrix,
} from "./data.js";
import { lbfgs } from "./lbfgs.js";
import { columnKernel } from "./simdKernels.js";

export type LogisticRegressionParams = {
  /** "none" fits the unpenalised maximum-likelihood model. */
  penalty: "l2" | "none";
  /** Inverse regularisation strength (sklearn's C). */
  c: number;
  fitIntercept: boolean;
  maxIter: number;
  /**
   * Stop when the largest absolute gradient component of the summed objective is at most tol, or (as in
   * sklearn's lbfgs, through scipy's defaults) when an iteration lowers the objective by less than 2.2e-9
   * relative.
   */
  tol: number;
  /** "balanced" weighs class k by n / (K · count_k); a record gives weights by class label (default 1). */
  classWeight: "balanced" | Record<string, number> | null;
  multiClass: "multinomial";
};

export interface LogisticRegressionState {
  featureNames: string[];
  /** Class labels that occurred in the training target, in level order: predictProba's columns. */
  classes: string[];
  /** The training target's levels; predict returns codes into these. */
  targetLevels: string[];
  /** One row (the second class's logit) for two classes, one row per class otherwise. */
  coef: number[][];
  intercept: number[];
  nIter: number;
  converged: boolean;
}

const KIND = "logisticRegression";
/** Rows scored at a time when predicting: the scratch stays in cache and off the system allocator. */
const SCORE_BLOCK = 4096;

export class LogisticRegression implements Classifier<LogisticRegressionParams, LogisticRegressionState> {
  readonly kind = KIND;
  readonly task = "classification" as const;
  readonly params: Readonly<LogisticRegressionParams>;
  #state: LogisticRegressionState | null;
  /** The target level of each class (the state's, worked out once). */
  #levelOf: Int32Array | undefined;

  constructor(params: Partial<LogisticRegressionParams> = {}, state: LogisticRegressionState | null = null) {
    const p: LogisticRegressionParams = {
      penalty: params.penalty ?? "l2",
      c: params.c ?? 1,
      fitIntercept: params.fitIntercept ?? true,
      maxIter: params.maxIter ?? 100,
      tol: params.tol ?? 1e-4,
      classWeight: params.classWeight ?? null,
      multiClass: params.multiClass ?? "multinomial",
    };
    if (p.penalty !== "l2" && p.penalty !== "none")
      throw invalidParam(KIND, "penalty", p.penalty, '"l2" or "none"');
    if (!(p.c > 0)) throw invalidParam(KIND, "c", p.c, "a number > 0");
    if (!(Number.isInteger(p.maxIter) && p.maxIter > 0))
      throw invalidParam(KIND, "maxIter", p.maxIter, "a positive integer");
    if (!(p.tol > 0)) throw invalidParam(KIND, "tol", p.tol, "a number > 0");
    if (p.multiClass !== "multinomial") throw invalidParam(KIND, "multiClass", p.multiClass, '"multinomial"');
    const cw = p.classWeight;
    if (cw !== null && cw !== "balanced") {
      if (typeof cw !== "object" || Object.values(cw).some((v) => !(typeof v === "number" && v >= 0)))
        throw invalidParam(KIND, "classWeight", cw, '"balanced", null or a record of label -> weight >= 0');
    }
    this.params = Object.freeze(p);
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): LogisticRegressionState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  get classes(): readonly string[] {
    return this.state.classes;
  }

  fit(X: Frame, y?: Column): this {
    const m = designMatrix(X, KIND);
    const t = classTarget(y, m.nRows, KIND);
    const weights = classWeights(t, this.params.classWeight);
    const l2 = this.params.penalty === "none" ? 0 : 1 / this.params.c;
    const K = t.classes.length;
    const p = m.nCols;
    const nVec = K === 2 ? 1 : K;
    const objective =
      K === 2
        ? binaryObjective(m, t.index, weights, l2, this.params.fitIntercept)
        : multinomialObjective(m, t.index, K, weights, l2, this.params.fitIntercept);
    const r = lbfgs(objective, new Float64Array(nVec * (p + 1)), {
      maxIter: this.params.maxIter,
      gtol: this.params.tol,
    });
    const coef: number[][] = [];
    const intercept: number[] = [];
    for (let k = 0; k < nVec; k++) {
      coef.push(Array.from(r.x.subarray(k * p, (k + 1) * p)));
      intercept.push(r.x[nVec * p + k]);
    }
    const levels = (y as { levels: readonly string[] }).levels;
    this.#levelOf = undefined;
    this.#state = {
      featureNames: [...X.names],
      classes: t.classes,
      targetLevels: [...levels],
      coef,
      intercept,
      nIter: r.nIter,
      converged: r.converged,
    };
    return this;
  }

  /**
   * Calls `emit(z, start, len)` with the decision values of rows [start, start + len), block after block:
   * len x 1 (binary logit) or len x K, class-major. One small scratch array serves every block, so a large
   * batch allocates only its output (fresh pages from the system cost as much as the arithmetic here).
   * `scaling` as in `addScaledColumns`. Returns whether every value was finite.
   */
  #scores(
    m: DesignMatrix,
    scaling: Pick<ColumnScaling, "center" | "scale"> | null,
    emit: (z: Float64Array, start: number, len: number) => void,
  ): boolean {
    const { coef, intercept } = this.state;
    const n = m.nRows;
    const scratch = new Float64Array(coef.length * Math.min(n, SCORE_BLOCK));
    let finite = true;
    for (let start = 0; start < n; start += SCORE_BLOCK) {
      const len = Math.min(SCORE_BLOCK, n - start);
      // One block (a server's few rows) reads the columns as they are.
      const columns = len === n ? m.columns : m.columns.map((x) => x.subarray(start, start + len));
      const z = scratch.subarray(0, coef.length * len);
      coef.forEach((w, k) => {
        const zk = z.subarray(k * len, (k + 1) * len);
        zk.fill(intercept[k]);
        if (scaling) addScaledColumns(zk, columns, w, scaling.center, scaling.scale);
        else addWeightedColumns(zk, columns, w);
      });
      if (finite && !allFinite(z)) finite = false;
      emit(z, start, len);
    }
    return finite;
  }

  /** `emit` on the decision values of X (see #scores). */
  #decision(X: Frame, emit: (z: Float64Array, start: number, len: number) => void): void {
    const s = this.state;
    const m = designColumns(X, KIND, s.featureNames);
    // A missing or infinite input, or a score that overflowed on finite inputs (then this passes).
    if (!this.#scores(m, null, emit)) assertFinite(m, KIND, s.featureNames);
  }

  /**
   * `emit` on the decision values of `step.transform(X)` when the step is a scaler that outputs every
   * feature; false when it is not, or when a value is not finite (the plain way then names a missing
   * input, or gives these same values).
   */
  #decisionThrough(
    step: Transformer,
    X: Frame,
    emit: (z: Float64Array, start: number, len: number) => void,
  ): boolean {
    if (!scalesColumns(step)) return false;
    const s = this.state;
    const sc = step.scaling(X);
    const at = new Map(sc.names.map((name, j) => [name, j]));
    const idx = s.featureNames.map((name) => at.get(name) ?? -1);
    if (idx.includes(-1)) return false;
    return this.#scores(
      { columns: idx.map((j) => sc.inputs[j]), nRows: X.nRows, nCols: idx.length },
      {
        center: Float64Array.from(idx, (j) => sc.center[j]),
        scale: Float64Array.from(idx, (j) => sc.scale[j]),
      },
      emit,
    );
  }

  /** Writes the probabilities of a block of decision values into rows [start, start + len) of out. */
  #probabilitiesInto(out: Float64Array): (z: Float64Array, start: number, len: number) => void {
    const K = this.state.classes.length;
    const nVec = this.state.coef.length;
    return (z, start, n) => {
      if (nVec === 1) {
        for (let i = 0; i < n; i++) {
          const p1 = sigmoid(z[i]);
          out[(start + i) * 2] = 1 - p1;
          out[(start + i) * 2 + 1] = p1;
        }
        return;
      }
      for (let i = 0; i < n; i++) {
        const o = (start + i) * K;
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, z[k * n + i]);
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const e = Math.exp(z[k * n + i] - max);
          out[o + k] = e;
          sum += e;
        }
        for (let k = 0; k < K; k++) out[o + k] /= sum;
      }
    };
  }

  /** Writes the predicted level codes of a block of decision values into codes[start, start + len). */
  #labelsInto(codes: Int32Array): (z: Float64Array, start: number, len: number) => void {
    const s = this.state;
    const nVec = s.coef.length;
    this.#levelOf ??= Int32Array.from(s.classes, (c) => s.targetLevels.indexOf(c));
    const levelOf = this.#levelOf;
    return (z, start, n) => {
      if (nVec === 1) {
        for (let i = 0; i < n; i++) codes[start + i] = levelOf[z[i] > 0 ? 1 : 0];
        return;
      }
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < nVec; k++) if (z[k * n + i] > z[best * n + i]) best = k;
        codes[start + i] = levelOf[best];
      }
    };
  }

  predictProba(X: Frame): Float64Array {
    const out = new Float64Array(X.nRows * this.state.classes.length);
    this.#decision(X, this.#probabilitiesInto(out));
    return out;
  }

  predict(X: Frame): Column {
    const codes = new Int32Array(X.nRows);
    this.#decision(X, this.#labelsInto(codes));
    return categorical(codes, this.state.targetLevels);
  }

  /** Labels and probabilities from one pass of decision values, where predict and predictProba make two. */
  predictWithProba(X: Frame): { labels: Column; proba: Float64Array } {
    const codes = new Int32Array(X.nRows);
    const proba = new Float64Array(X.nRows * this.state.classes.length);
    const labels = this.#labelsInto(codes);
    const probabilities = this.#probabilitiesInto(proba);
    this.#decision(X, (z, start, len) => {
      labels(z, start, len);
      probabilities(z, start, len);
    });
    return { labels: categorical(codes, this.state.targetLevels), proba };
  }

  predictThrough(step: Transformer, X: Frame): Column | undefined {
    const codes = new Int32Array(X.nRows);
    if (!this.#decisionThrough(step, X, this.#labelsInto(codes))) return undefined;
    return categorical(codes, this.state.targetLevels);
  }

  predictProbaThrough(step: Transformer, X: Frame): Float64Array | undefined {
    const out = new Float64Array(X.nRows * this.state.classes.length);
    return this.#decisionThrough(step, X, this.#probabilitiesInto(out)) ? out : undefined;
  }

  /** Accuracy, comparing class labels. */
  score(X: Frame, y?: Column): number {
    const pred = this.predict(X) as { codes: Int32Array; levels: readonly string[] };
    if (y === undefined || y.type !== "categorical") {
      throw invalidParam(KIND, "y", y?.type ?? "none", "a categorical target column to score against");
    }
    let hits = 0;
    for (let i = 0; i < pred.codes.length; i++) {
      if (y.codes[i] >= 0 && y.levels[y.codes[i]] === pred.levels[pred.codes[i]]) hits++;
    }
    return hits / pred.codes.length;
  }

  toJSON(): EstimatorJSON<LogisticRegressionParams, LogisticRegressionState> {
    return {
      kind: KIND,
      params: structuredClone(this.params),
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }

  static fromJSON(json: EstimatorJSON): LogisticRegression {
    return new LogisticRegression(
      json.params as Partial<LogisticRegressionParams>,
      json.state as LogisticRegressionState | null,
    );
  }
}

registerKind(KIND, LogisticRegression.fromJSON);

/** Each class's weight (all 1 without classWeight), by class index. */
function classWeights(t: ClassTarget, classWeight: LogisticRegressionParams["classWeight"]): Float64Array {
  const K = t.classes.length;
  const n = t.index.length;
  if (classWeight === null) return new Float64Array(K).fill(1);
  return Float64Array.from(t.classes, (label, k) =>
    classWeight === "balanced" ? n / (K * t.counts[k]) : (classWeight[label] ?? 1),
  );
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Parameters: w (p) then b. */
function binaryObjective(
  m: DesignMatrix,
  index: Int32Array,
  weights: Float64Array,
  l2: number,
  fitIntercept: boolean,
): (x: Float64Array, g: Float64Array) => number {
  const p = m.nCols;
  const kernel = columnKernel(m, 1, { index, weights });
  return (x, g) => {
    kernel.scores(x, x.subarray(p, p + 1));
    const [loss, residuals] = kernel.logistic();
    kernel.gradient(g);
    let ww = 0;
    for (let j = 0; j < p; j++) {
      ww += x[j] * x[j];
      g[j] += l2 * x[j];
    }
    g[p] = fitIntercept ? residuals : 0;
    return loss + 0.5 * l2 * ww;
  };
}

/**
 * Parameters: W (K x p, class-major) then b (K). The log-sum-exp terms are summed as the binary ones are
 * (columnKernels.ts, LOG_BLOCK): each factor Σ exp(z - max) lies in [1, K], so a block's product stays
 * below the float64 overflow for up to 2^15 classes.
 */
function multinomialObjective(
  m: DesignMatrix,
  index: Int32Array,
  K: number,
  weights: Float64Array,
  l2: number,
  fitIntercept: boolean,
): (x: Float64Array, g: Float64Array) => number {
  const { nRows: n, nCols: p } = m;
  const kernel = columnKernel(m, K);
  const { z, stride } = kernel;
  const gb = new Float64Array(K);
  const prods = new Float64Array(K);
  return (x, g) => {
    kernel.scores(x, x.subarray(K * p, K * p + K));
    let linear = 0;
    let logs = 0;
    prods.fill(1);
    gb.fill(0);
    const flush = (): void => {
      for (let k = 0; k < K; k++) logs += weights[k] * Math.log(prods[k]);
      prods.fill(1);
    };
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[k * stride + i]);
      const yi = index[i];
      const zy = z[yi * stride + i];
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(z[k * stride + i] - max);
        z[k * stride + i] = e;
        sum += e;
      }
      const s = weights[yi];
      // log Σ exp(z) - z_y = max - z_y + log Σ exp(z - max); the last sum lies in [1, K].
      linear += s * (max - zy);
      prods[yi] *= sum;
      if ((i & (LOG_BLOCK - 1)) === LOG_BLOCK - 1) flush();
      for (let k = 0; k < K; k++) {
        const r = s * (z[k * stride + i] / sum - (k === yi ? 1 : 0));
        z[k * stride + i] = r;
        gb[k] += r;
      }
    }
    flush();
    kernel.gradient(g);
    let ww = 0;
    for (let q = 0; q < K * p; q++) {
      ww += x[q] * x[q];
      g[q] += l2 * x[q];
    }
    for (let k = 0; k < K; k++) g[K * p + k] = fitIntercept ? gb[k] : 0;
    return linear + logs + 0.5 * l2 * ww;
  };
}

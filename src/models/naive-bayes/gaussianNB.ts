/**
 * Gaussian naive Bayes (sklearn 1.2's GaussianNB): per class, every feature is an independent normal with
 * the class's mean and (population) variance; all variances get epsilon = varSmoothing x the largest
 * feature variance added, so constant features cannot divide by zero. Probabilities come from the joint
 * log-likelihoods through log-sum-exp, which stays finite when every likelihood underflows.
 */
import { MlshipError, NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame } from "../../core/frame.js";
import type { Classifier, EstimatorJSON } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { accuracy, classTarget, featureMatrix, invalidParam, levelCodes } from "../input.js";

export type GaussianNBParams = {
  /** Prior probability of each class, in class (level) order; null estimates them from the class counts. */
  priors: number[] | null;
  varSmoothing: number;
};

export interface GaussianNBState {
  featureNames: string[];
  classes: string[];
  targetLevels: string[];
  classCount: number[];
  classPrior: number[];
  /** Per-class feature means, classes x features. */
  theta: number[][];
  /** Per-class feature variances plus epsilon, classes x features. */
  var: number[][];
  epsilon: number;
}

const KIND = "gaussianNB";

export class GaussianNB implements Classifier<GaussianNBParams, GaussianNBState> {
  readonly kind = KIND;
  readonly task = "classification" as const;
  readonly params: Readonly<GaussianNBParams>;
  #state: GaussianNBState | null;

  constructor(params: Partial<GaussianNBParams> = {}, state: GaussianNBState | null = null) {
    const p: GaussianNBParams = {
      priors: params.priors ?? null,
      varSmoothing: params.varSmoothing ?? 1e-9,
    };
    if (!(p.varSmoothing >= 0)) throw invalidParam(KIND, "varSmoothing", p.varSmoothing, "a number >= 0");
    if (p.priors !== null) {
      const sum = p.priors.reduce((a, b) => a + b, 0);
      if (p.priors.some((v) => !(v >= 0)) || Math.abs(sum - 1) > 1e-10)
        throw invalidParam(KIND, "priors", p.priors, "non-negative numbers that sum to 1, or null");
    }
    this.params = Object.freeze(p);
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): GaussianNBState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  get classes(): readonly string[] {
    return this.state.classes;
  }

  fit(X: Frame, y?: Column): this {
    const m = featureMatrix(X, KIND);
    const t = classTarget(y, m.nRows, KIND);
    const { data, nRows: n, nCols: p } = m;
    const K = t.classes.length;
    const priors = this.params.priors;
    if (priors !== null && priors.length !== K) {
      throw new MlshipError({
        what: `${KIND} got ${priors.length} priors but the target has ${K} classes (${t.classes.join(", ")})`,
        where: "params.priors",
        fix: "give one prior per class present in the training target, in level order",
        code: "E_MODEL_PARAM",
      });
    }
    let maxVar = 0;
    const theta: number[][] = [];
    const variance: number[][] = [];
    for (let k = 0; k < K; k++) {
      theta.push(new Array<number>(p).fill(0));
      variance.push(new Array<number>(p).fill(0));
    }
    for (let j = 0; j < p; j++) {
      const col = data.subarray(j * n, (j + 1) * n);
      maxVar = Math.max(maxVar, populationVariance(col));
      const sums = new Float64Array(K);
      for (let i = 0; i < n; i++) sums[t.index[i]] += col[i];
      for (let k = 0; k < K; k++) theta[k][j] = sums[k] / t.counts[k];
      const sq = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        const e = col[i] - theta[t.index[i]][j];
        sq[t.index[i]] += e * e;
      }
      for (let k = 0; k < K; k++) variance[k][j] = sq[k] / t.counts[k];
    }
    const epsilon = this.params.varSmoothing * maxVar;
    for (const row of variance) for (let j = 0; j < p; j++) row[j] += epsilon;
    this.#state = {
      featureNames: [...X.names],
      classes: t.classes,
      targetLevels: t.levels,
      classCount: Array.from(t.counts),
      classPrior: priors !== null ? [...priors] : Array.from(t.counts, (c) => c / n),
      theta,
      var: variance,
      epsilon,
    };
    return this;
  }

  /** Joint log-likelihood log P(c) + log P(x | c), row-major n x classes. */
  #jointLogLikelihood(X: Frame): { jll: Float64Array; n: number } {
    const s = this.state;
    const m = featureMatrix(X, KIND, s.featureNames);
    const { data, nRows: n, nCols: p } = m;
    const K = s.classes.length;
    const jll = new Float64Array(n * K);
    for (let k = 0; k < K; k++) {
      const mu = s.theta[k];
      const v = s.var[k];
      let norm = 0;
      for (let j = 0; j < p; j++) norm += Math.log(2 * Math.PI * v[j]);
      const sq = new Float64Array(n);
      for (let j = 0; j < p; j++) {
        const col = data.subarray(j * n, (j + 1) * n);
        for (let i = 0; i < n; i++) sq[i] += (col[i] - mu[j]) ** 2 / v[j];
      }
      const base = Math.log(s.classPrior[k]) - 0.5 * norm;
      for (let i = 0; i < n; i++) jll[i * K + k] = base - 0.5 * sq[i];
    }
    return { jll, n };
  }

  predictLogProba(X: Frame): Float64Array {
    const K = this.state.classes.length;
    const { jll, n } = this.#jointLogLikelihood(X);
    for (let i = 0; i < n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) max = Math.max(max, jll[i * K + k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(jll[i * K + k] - max);
      const lse = max + Math.log(sum);
      for (let k = 0; k < K; k++) jll[i * K + k] -= lse;
    }
    return jll;
  }

  predictProba(X: Frame): Float64Array {
    return this.predictLogProba(X).map(Math.exp);
  }

  predict(X: Frame): Column {
    const s = this.state;
    const K = s.classes.length;
    const { jll, n } = this.#jointLogLikelihood(X);
    const toLevel = levelCodes(s.classes, s.targetLevels);
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (jll[i * K + k] > jll[i * K + best]) best = k;
      codes[i] = toLevel[best];
    }
    return categorical(codes, s.targetLevels);
  }

  /** Accuracy. */
  score(X: Frame, y?: Column): number {
    return accuracy(this.predict(X), y, KIND);
  }

  toJSON(): EstimatorJSON<GaussianNBParams, GaussianNBState> {
    return {
      kind: KIND,
      params: structuredClone(this.params) as GaussianNBParams,
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }

  static fromJSON(json: EstimatorJSON): GaussianNB {
    return new GaussianNB(json.params as Partial<GaussianNBParams>, json.state as GaussianNBState | null);
  }
}

function populationVariance(v: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i];
  mean /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - mean) ** 2;
  return s / v.length;
}

registerKind(KIND, GaussianNB.fromJSON);

/**
 * k-nearest-neighbour classification (sklearn's KNeighborsClassifier with algorithm="brute"): class
 * probabilities are the (optionally 1/distance-weighted) vote shares of the k nearest training rows, and
 * the prediction is the class with the most votes, the first class in level order on a tie.
 */
import { NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame } from "../../core/frame.js";
import type { Classifier, EstimatorJSON } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { accuracy, classTarget, levelCodes } from "../input.js";
import {
  checkEnoughRows,
  type KNeighborsParams,
  kNeighborsParams,
  neighbourWeights,
  queryNeighbours,
  trainingRows,
} from "./common.js";

export type KNeighborsClassifierParams = KNeighborsParams;

export interface KNeighborsClassifierState {
  featureNames: string[];
  /** Class labels that occurred in the training target, in level order: predictProba's columns. */
  classes: string[];
  /** The training target's levels; predict returns codes into these. */
  targetLevels: string[];
  nSamplesFit: number;
  /** The training rows, row-major nSamplesFit x featureNames.length. */
  fitX: number[];
  /** Index into `classes` of every training row. */
  fitY: number[];
}

const KIND = "kNeighborsClassifier";

export class KNeighborsClassifier
  implements Classifier<KNeighborsClassifierParams, KNeighborsClassifierState>
{
  readonly kind = KIND;
  readonly task = "classification" as const;
  readonly params: Readonly<KNeighborsClassifierParams>;
  #state: KNeighborsClassifierState | null;
  #train: Float64Array | null = null;
  #labels: Int32Array | null = null;

  constructor(
    params: Partial<KNeighborsClassifierParams> = {},
    state: KNeighborsClassifierState | null = null,
  ) {
    this.params = Object.freeze(kNeighborsParams(KIND, params));
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): KNeighborsClassifierState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  get classes(): readonly string[] {
    return this.state.classes;
  }

  fit(X: Frame, y?: Column): this {
    const m = trainingRows(X, KIND);
    const t = classTarget(y, m.nRows, KIND);
    checkEnoughRows(KIND, this.params.nNeighbors, m.nRows);
    this.#train = m.rows;
    this.#labels = t.index;
    this.#state = {
      featureNames: [...X.names],
      classes: t.classes,
      targetLevels: t.levels,
      nSamplesFit: m.nRows,
      fitX: Array.from(m.rows),
      fitY: Array.from(t.index),
    };
    return this;
  }

  /** Per-query class totals of neighbour weights (row-major n x classes), summed nearest first like sklearn. */
  #votes(X: Frame): { votes: Float64Array; n: number } {
    const s = this.state;
    this.#train ??= Float64Array.from(s.fitX);
    this.#labels ??= Int32Array.from(s.fitY);
    const nb = queryNeighbours(X, KIND, s.featureNames, this.#train, s.nSamplesFit, this.params);
    const w = neighbourWeights(nb, nb.nQuery, this.params.weights);
    const K = s.classes.length;
    const k = nb.k;
    const votes = new Float64Array(nb.nQuery * K);
    const labels = this.#labels;
    for (let q = 0; q < nb.nQuery; q++) {
      for (let m = 0; m < k; m++) votes[q * K + labels[nb.indices[q * k + m]]] += w[q * k + m];
    }
    return { votes, n: nb.nQuery };
  }

  predictProba(X: Frame): Float64Array {
    return this.predictWithProba(X).proba;
  }

  predict(X: Frame): Column {
    return this.predictWithProba(X).labels;
  }

  /** One neighbour search for both: labels by the largest vote (before normalising), then the shares. */
  predictWithProba(X: Frame): { labels: Column; proba: Float64Array } {
    const s = this.state;
    const K = s.classes.length;
    const { votes, n } = this.#votes(X);
    const toLevel = levelCodes(s.classes, s.targetLevels);
    const codes = new Int32Array(n);
    for (let q = 0; q < n; q++) {
      let best = 0;
      let total = votes[q * K];
      for (let c = 1; c < K; c++) {
        if (votes[q * K + c] > votes[q * K + best]) best = c;
        total += votes[q * K + c];
      }
      codes[q] = toLevel[best];
      if (total === 0) total = 1;
      for (let c = 0; c < K; c++) votes[q * K + c] /= total;
    }
    return { labels: categorical(codes, s.targetLevels), proba: votes };
  }

  /** Accuracy. */
  score(X: Frame, y?: Column): number {
    return accuracy(this.predict(X), y, KIND);
  }

  toJSON(): EstimatorJSON<KNeighborsClassifierParams, KNeighborsClassifierState> {
    return {
      kind: KIND,
      params: { ...this.params },
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }

  static fromJSON(json: EstimatorJSON): KNeighborsClassifier {
    return new KNeighborsClassifier(
      json.params as Partial<KNeighborsClassifierParams>,
      json.state as KNeighborsClassifierState | null,
    );
  }
}

registerKind(KIND, KNeighborsClassifier.fromJSON);

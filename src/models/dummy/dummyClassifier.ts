/**
 * Baseline classifier that ignores the features (sklearn 1.2's DummyClassifier): it predicts from the
 * class distribution of the training target only, as the floor any real model must beat.
 */
import { MlshipError, NotFittedError } from "../../core/errors.js";
import { type Column, categorical, type Frame } from "../../core/frame.js";
import type { Classifier, EstimatorJSON } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { Random } from "../../core/random.js";
import { accuracy, classTarget, invalidParam, levelCodes } from "../input.js";

export type DummyClassifierParams = {
  /**
   * prior: predict the most frequent class, probabilities = class frequencies; mostFrequent: same
   * prediction, one-hot probabilities; stratified: random one-hot draws from the class frequencies;
   * uniform: uniformly random classes, equal probabilities; constant: always `constant`.
   */
  strategy: "prior" | "mostFrequent" | "stratified" | "uniform" | "constant";
  /** Seed of the stratified/uniform draws; every predict call restarts from it, like an int random_state. */
  randomState: number;
  /** The class label predicted by strategy "constant". */
  constant: string | null;
};

export interface DummyClassifierState {
  classes: string[];
  targetLevels: string[];
  classPrior: number[];
}

const KIND = "dummyClassifier";
const STRATEGIES = ["prior", "mostFrequent", "stratified", "uniform", "constant"] as const;

export class DummyClassifier implements Classifier<DummyClassifierParams, DummyClassifierState> {
  readonly kind = KIND;
  readonly task = "classification" as const;
  readonly params: Readonly<DummyClassifierParams>;
  #state: DummyClassifierState | null;

  constructor(params: Partial<DummyClassifierParams> = {}, state: DummyClassifierState | null = null) {
    const p: DummyClassifierParams = {
      strategy: params.strategy ?? "prior",
      randomState: params.randomState ?? 0,
      constant: params.constant ?? null,
    };
    if (!STRATEGIES.includes(p.strategy))
      throw invalidParam(KIND, "strategy", p.strategy, STRATEGIES.join(" | "));
    if (!Number.isInteger(p.randomState))
      throw invalidParam(KIND, "randomState", p.randomState, "an integer seed");
    if (p.strategy === "constant" && typeof p.constant !== "string")
      throw invalidParam(KIND, "constant", p.constant, 'a class label (strategy "constant")');
    this.params = Object.freeze(p);
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): DummyClassifierState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  get classes(): readonly string[] {
    return this.state.classes;
  }

  fit(X: Frame, y?: Column): this {
    const t = classTarget(y, X.nRows, KIND, 1);
    const { constant, strategy } = this.params;
    if (strategy === "constant" && !t.classes.includes(constant as string)) {
      throw new MlshipError({
        what: `${KIND} constant "${constant}" does not occur in the training target (classes: ${t.classes.join(", ")})`,
        where: "params.constant",
        fix: "set constant to one of the training classes",
        code: "E_MODEL_PARAM",
      });
    }
    const n = X.nRows;
    this.#state = {
      classes: t.classes,
      targetLevels: t.levels,
      classPrior: Array.from(t.counts, (c) => c / n),
    };
    return this;
  }

  /** Class index predicted for every row (before mapping to target levels). */
  #predictIndex(n: number): Int32Array {
    const { classPrior } = this.state;
    const K = classPrior.length;
    const out = new Int32Array(n);
    switch (this.params.strategy) {
      case "prior":
      case "mostFrequent":
        return out.fill(argmax(classPrior));
      case "constant":
        return out.fill(this.state.classes.indexOf(this.params.constant as string));
      case "uniform": {
        const rng = new Random(this.params.randomState);
        for (let i = 0; i < n; i++) out[i] = rng.int(K);
        return out;
      }
      case "stratified": {
        const rng = new Random(this.params.randomState);
        for (let i = 0; i < n; i++) {
          const u = rng.next();
          let c = 0;
          let acc = classPrior[0];
          while (c < K - 1 && u >= acc) acc += classPrior[++c];
          out[i] = c;
        }
        return out;
      }
    }
  }

  predictProba(X: Frame): Float64Array {
    const { classPrior } = this.state;
    const K = classPrior.length;
    const n = X.nRows;
    const out = new Float64Array(n * K);
    if (this.params.strategy === "prior") {
      for (let i = 0; i < n; i++) out.set(classPrior, i * K);
    } else if (this.params.strategy === "uniform") {
      out.fill(1 / K);
    } else {
      const idx = this.#predictIndex(n);
      for (let i = 0; i < n; i++) out[i * K + idx[i]] = 1;
    }
    return out;
  }

  predict(X: Frame): Column {
    const s = this.state;
    const toLevel = levelCodes(s.classes, s.targetLevels);
    return categorical(
      this.#predictIndex(X.nRows).map((c) => toLevel[c]),
      s.targetLevels,
    );
  }

  /** Accuracy. */
  score(X: Frame, y?: Column): number {
    return accuracy(this.predict(X), y, KIND);
  }

  toJSON(): EstimatorJSON<DummyClassifierParams, DummyClassifierState> {
    return {
      kind: KIND,
      params: { ...this.params },
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }

  static fromJSON(json: EstimatorJSON): DummyClassifier {
    return new DummyClassifier(
      json.params as Partial<DummyClassifierParams>,
      json.state as DummyClassifierState | null,
    );
  }
}

/** Index of the largest value, the first one on ties (numpy's argmax). */
function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

registerKind(KIND, DummyClassifier.fromJSON);

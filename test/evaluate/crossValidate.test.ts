import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NotFittedError } from "../../src/core/errors.js";
import { type Column, categorical, type Frame, numeric } from "../../src/core/frame.js";
import {
  type Classifier,
  type EstimatorJSON,
  type Predictor,
  registerKind,
} from "../../src/core/protocol.js";
import {
  accuracy,
  clone,
  crossValidate,
  KFold,
  logLoss,
  meanAbsoluteError,
  r2Score,
  rocAuc,
  StratifiedKFold,
} from "../../src/evaluate/index.js";
import { loadXy } from "../support/fixtures.js";

/**
 * Test fixture: a nearest-centroid classifier (sklearn's NearestCentroid) implementing the Classifier
 * protocol, with softmax(-distance / temperature) as probabilities. Registered under a test-only kind.
 */
interface NcParams {
  temperature: number;
  [key: string]: unknown;
}
interface NcState {
  classes: string[];
  features: string[];
  centroids: number[];
}
class NearestCentroid implements Classifier<NcParams, NcState> {
  static fits = 0;
  readonly kind = "test.nearestCentroid";
  readonly task = "classification" as const;
  #state: NcState | null;
  constructor(
    readonly params: NcParams = { temperature: 1 },
    state: NcState | null = null,
  ) {
    this.#state = state;
  }
  get state(): NcState {
    if (!this.#state) throw new NotFittedError(this.kind);
    return this.#state;
  }
  get isFitted(): boolean {
    return this.#state !== null;
  }
  get classes(): readonly string[] {
    return this.state.classes;
  }
  fit(X: Frame, y?: Column): this {
    if (this.#state) throw new Error("fit called twice on one instance: crossValidate must clone");
    if (y?.type !== "categorical") throw new Error("categorical target expected");
    const { data, nRows: n, nCols: d } = X.toMatrix();
    const k = y.levels.length;
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      counts[y.codes[i]]++;
      for (let j = 0; j < d; j++) sums[y.codes[i] * d + j] += data[j * n + i];
    }
    const centroids = Array.from(sums, (s, q) => s / counts[Math.floor(q / d)]);
    NearestCentroid.fits++;
    this.#state = { classes: [...y.levels], features: [...X.names], centroids };
    return this;
  }
  #distances(X: Frame): Float64Array {
    const { classes, features, centroids } = this.state;
    const { data, nRows: n, nCols: d } = X.toMatrix(features);
    const k = classes.length;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (data[j * n + i] - centroids[c * d + j]) ** 2;
        out[i * k + c] = Math.sqrt(s);
      }
    }
    return out;
  }
  predict(X: Frame): Column {
    const dist = this.#distances(X);
    const k = this.classes.length;
    const codes = new Int32Array(X.nRows);
    for (let i = 0; i < X.nRows; i++) {
      for (let c = 1; c < k; c++) if (dist[i * k + c] < dist[i * k + codes[i]]) codes[i] = c;
    }
    return categorical(codes, this.classes);
  }
  predictProba(X: Frame): Float64Array {
    const p = this.#distances(X);
    const k = this.classes.length;
    for (let i = 0; i < X.nRows; i++) {
      const row = p.subarray(i * k, i * k + k);
      const m = Math.min(...row);
      row.forEach((v, c) => {
        row[c] = Math.exp(-(v - m) / this.params.temperature);
      });
      const s = row.reduce((a, b) => a + b, 0);
      row.forEach((v, c) => {
        row[c] = v / s;
      });
    }
    return p;
  }
  score(X: Frame, y?: Column): number {
    return accuracy(y as Column, this.predict(X));
  }
  toJSON(): EstimatorJSON<NcParams, NcState> {
    return { kind: this.kind, params: this.params, state: this.#state };
  }
}
registerKind(
  "test.nearestCentroid",
  (j) => new NearestCentroid(j.params as NcParams, j.state as NcState | null),
);

/** Test fixture: predicts the training mean of the target (sklearn's DummyRegressor). */
class MeanRegressor implements Predictor<Record<string, never>, { mean: number }> {
  readonly kind = "test.meanRegressor";
  readonly task = "regression" as const;
  readonly params = {};
  #mean: number | null;
  constructor(state: { mean: number } | null = null) {
    this.#mean = state?.mean ?? null;
  }
  get state(): { mean: number } {
    if (this.#mean === null) throw new NotFittedError(this.kind);
    return { mean: this.#mean };
  }
  get isFitted(): boolean {
    return this.#mean !== null;
  }
  fit(_X: Frame, y?: Column): this {
    const v = (y as Extract<Column, { type: "numeric" }>).values;
    this.#mean = v.reduce((a, b) => a + b, 0) / v.length;
    return this;
  }
  predict(X: Frame): Column {
    return numeric(new Float64Array(X.nRows).fill(this.state.mean));
  }
  score(): number {
    return Number.NaN;
  }
  toJSON(): EstimatorJSON<Record<string, never>, { mean: number }> {
    return { kind: this.kind, params: this.params, state: this.#mean === null ? null : this.state };
  }
}
registerKind("test.meanRegressor", (j) => new MeanRegressor(j.state as { mean: number } | null));

const golden = JSON.parse(readFileSync(new URL("../golden/metrics.json", import.meta.url), "utf8"));

describe("crossValidate", () => {
  // biome-ignore lint/suspicious/noExplicitAny: JSON case
  it.each<[string, any]>(golden.crossValidate.map((c: { fixture: string }) => [c.fixture, c]))(
    "%s: per-fold scores equal scikit-learn's cross_validate(NearestCentroid(), cv=5)",
    // biome-ignore lint/suspicious/noExplicitAny: JSON case
    (_name, c: any) => {
      const { X, y } = loadXy(c.fixture, c.target, true);
      const scoring = ["accuracy", "balanced_accuracy", "f1_macro", "f1_weighted"] as const;
      const res = crossValidate(new NearestCentroid(), X, y, { cv: c.nSplits, scoring });
      expect(res.folds).toHaveLength(5);
      for (const m of scoring) {
        const expected: number[] = c.scores[m];
        res.scores[m].forEach((v, f) => {
          expect(Math.abs(v - expected[f]), `${m} fold ${f}`).toBeLessThan(1e-9);
        });
        const mean = expected.reduce((a, b) => a + b, 0) / 5;
        const std = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
        expect(res.mean[m]).toBeCloseTo(mean, 12);
        expect(res.std[m]).toBeCloseTo(std, 12);
      }
    },
  );

  it("fits a fresh clone per fold and leaves the given estimator unfitted", () => {
    const { X, y } = loadXy("iris.csv", "target", true);
    const est = new NearestCentroid({ temperature: 2 });
    const before = NearestCentroid.fits;
    const seen: number[] = [];
    const res = crossValidate(est, X, y, {
      cv: 4,
      scoring: ["accuracy"],
      onFold: (r, nFolds) => {
        expect(nFolds).toBe(4);
        seen.push(r.fold);
      },
    });
    expect(NearestCentroid.fits - before).toBe(4);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(est.isFitted).toBe(false);
    expect(res.fitTime).toHaveLength(4);
    expect(res.scoreTime.every((t) => t >= 0)).toBe(true);
    expect(res.folds.reduce((a, f) => a + f.testSize, 0)).toBe(150);
    expect(res.folds.every((f) => f.trainSize + f.testSize === 150)).toBe(true);
  });

  it("scores probabilities per fold exactly as fitting the fold by hand does", () => {
    const { X, y } = loadXy("wine.csv", "target", true);
    const cv = new KFold({ nSplits: 3, shuffle: true, seed: 7 });
    const est = new NearestCentroid({ temperature: 50 });
    const res = crossValidate(est, X, y, { cv, scoring: ["log_loss", "roc_auc_ovr"] });
    const yc = y as Extract<Column, { type: "categorical" }>;
    [...cv.split(X.nRows)].forEach(({ train, test }, f) => {
      const m = clone(est).fit(
        X.take(train),
        categorical(
          Int32Array.from(train, (i) => yc.codes[i]),
          yc.levels,
        ),
      );
      const proba = m.predictProba(X.take(test));
      const yTest = Int32Array.from(test, (i) => yc.codes[i]);
      expect(res.scores.log_loss[f]).toBe(logLoss(yTest, proba));
      expect(res.scores.roc_auc_ovr[f]).toBe(rocAuc(yTest, proba));
    });
    expect(res.mean.log_loss).toBeGreaterThan(0);
    expect(res.mean.roc_auc_ovr).toBeGreaterThan(0.5);
  });

  it("defaults to stratified folds for a classifier and honours the positive class", () => {
    const { X, y } = loadXy("breast_cancer.csv", "target", true);
    const yc = y as Extract<Column, { type: "categorical" }>;
    const recallOf = (positiveClass: string) =>
      crossValidate(new NearestCentroid(), X, y, { scoring: ["recall"], positiveClass }).scores.recall;
    const r0 = recallOf("0");
    const r1 = recallOf("1");
    expect(r0).not.toEqual(r1);
    // Default cv = StratifiedKFold(5) without shuffling: the same folds as constructing it.
    const folds = [...new StratifiedKFold({ nSplits: 5 }).split(y)];
    folds.forEach(({ train, test }, f) => {
      const m = new NearestCentroid().fit(
        X.take(train),
        categorical(
          Int32Array.from(train, (i) => yc.codes[i]),
          yc.levels,
        ),
      );
      const pred = (m.predict(X.take(test)) as Extract<Column, { type: "categorical" }>).codes;
      let tp = 0;
      let pos = 0;
      for (let j = 0; j < test.length; j++) {
        if (yc.codes[test[j]] === 0) {
          pos++;
          if (pred[j] === 0) tp++;
        }
      }
      expect(r0[f]).toBe(tp / pos);
    });
  });

  it("defaults to contiguous KFold for a regressor and scores its numeric predictions", () => {
    const { X, y } = loadXy("diabetes.csv", "target", false);
    const v = (y as Extract<Column, { type: "numeric" }>).values;
    const res = crossValidate(new MeanRegressor(), X, y, { cv: 3, scoring: ["r2", "mae"] });
    const n = X.nRows;
    const bounds = [0, Math.ceil(n / 3), Math.ceil(n / 3) + Math.ceil((n - Math.ceil(n / 3)) / 2), n];
    for (let f = 0; f < 3; f++) {
      const test = v.slice(bounds[f], bounds[f + 1]);
      const train = Float64Array.from([...v.slice(0, bounds[f]), ...v.slice(bounds[f + 1])]);
      const pred = new Float64Array(test.length).fill(train.reduce((a, b) => a + b, 0) / train.length);
      expect(res.folds[f].testSize).toBe(test.length);
      expect(res.scores.r2[f]).toBe(r2Score(test, pred));
      expect(res.scores.mae[f]).toBe(meanAbsoluteError(test, pred));
      expect(res.scores.r2[f]).toBeLessThanOrEqual(0);
    }
  });

  it("rejects an empty scoring list and an estimator that cannot predict", () => {
    const { X, y } = loadXy("iris.csv", "target", true);
    expect(() => crossValidate(new NearestCentroid(), X, y, { scoring: [] })).toThrow(
      expect.objectContaining({ code: "E_CV" }),
    );
    expect(() => crossValidate(new NearestCentroid(), X, y, { scoring: ["accuracy"], nJobs: 0 })).toThrow(
      expect.objectContaining({ code: "E_CV" }),
    );
    const transformer = { kind: "x", params: {}, toJSON: () => ({ kind: "x", params: {}, state: null }) };
    expect(() =>
      // biome-ignore lint/suspicious/noExplicitAny: deliberately not a Predictor
      crossValidate(transformer as any, X, y, { scoring: ["accuracy"] }),
    ).toThrow(expect.objectContaining({ code: "E_CV_ESTIMATOR" }));
  });
});

describe("clone", () => {
  it("returns an unfitted estimator of the same kind and params, even from a fitted one", () => {
    const { X, y } = loadXy("iris.csv", "target", true);
    const fitted = new NearestCentroid({ temperature: 3 }).fit(X, y);
    const c = clone(fitted);
    expect(c).not.toBe(fitted);
    expect(c).toBeInstanceOf(NearestCentroid);
    expect(c.isFitted).toBe(false);
    expect(c.params).toEqual({ temperature: 3 });
    expect(fitted.isFitted).toBe(true);
  });
});

/**
 * HistGradientBoosting against scikit-learn 1.2.1 (test/golden/hist_gradient_boosting.json).
 *
 * Without early stopping the algorithm has no randomness below 200,000 rows, so the bins, the trees and the
 * predictions must be sklearn's. Trees are compared node for node (structure, split features and bins,
 * counts exactly; values and gains to 1e-9 relative: sums of the same float32 gradients in the same order,
 * so only float64 rounding in the last digits can differ). Raw predictions get 1e-9 relative too.
 */
import { describe, expect, it } from "vitest";
import { Random } from "../../../src/core/random.js";
import {
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
  type HistTreeState,
} from "../../../src/models/boosting/index.js";
import { Binner, binColumn, numericThresholds } from "../../../src/models/hist/binning.js";
import { loadFixture, loadXy } from "../../support/fixtures.js";
import { type GoldenTree, golden, num, ourParams } from "./golden.js";
import "../../../src/evaluate/index.js";
import { kFold, takeColumn } from "../tree/golden.js";

const close = (a: number, b: number, rel = 1e-9) =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel = 1e-9): void {
  expect(got.length).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++)
    if (!close(got[i], want[i], rel)) bad.push(`${i}: ${got[i]} vs ${want[i]}`);
  expect(bad.slice(0, 5)).toEqual([]);
}

function expectSameTree(t: HistTreeState, g: GoldenTree): void {
  expect(t.nodeCount).toBe(g.value.length);
  expect(Array.from(t.feature)).toEqual(g.feature);
  expect(Array.from(t.left)).toEqual(g.left);
  expect(Array.from(t.right)).toEqual(g.right);
  expect(Array.from(t.count)).toEqual(g.count);
  expect(Array.from(t.depth)).toEqual(g.depth);
  for (let k = 0; k < t.nodeCount; k++) {
    if (g.feature[k] < 0) continue;
    expect(t.missingLeft[k]).toBe(g.missingLeft[k]);
    if (g.isCategorical[k]) {
      expect(Array.from(t.bitsets.subarray(8 * t.categorySet[k], 8 * t.categorySet[k] + 8))).toEqual(
        g.binnedBitsets[g.bitsetIdx[k]],
      );
    } else {
      expect(t.categorySet[k]).toBe(-1);
      expect(t.binThreshold[k]).toBe(g.binThreshold[k]);
      expect(t.threshold[k]).toBe(num(g.numThreshold[k]));
    }
  }
  expectClose(t.value, g.value);
  // sklearn's root gain leaves out the root's own loss (its value is 0 there); ours is the loss reduction
  expectClose(
    t.gain.subarray(1).filter((_, k) => g.feature[k + 1] >= 0),
    g.gain.slice(1).filter((_, k) => g.feature[k + 1] >= 0),
  );
}

/** Rows of a (n x K) golden matrix as our column-major raw layout. */
const columnMajor = (rows: number[][]): number[] => {
  const K = rows[0].length;
  return Array.from({ length: K }, (_, k) => rows.map((r) => r[k])).flat();
};

describe("binning against sklearn's _BinMapper", () => {
  for (const b of golden.binning) {
    it(`${b.column}, maxBins ${b.maxBins}`, () => {
      let values: Float64Array;
      if (b.values) values = Float64Array.from(b.values, num);
      else {
        const [file, name] = b.column.split(":");
        const col = loadFixture(file).column(name);
        values = Float64Array.from((col as { values: Float64Array }).values);
      }
      const binner = new Binner();
      const thresholds = numericThresholds(values, b.maxBins, binner, new Random(0));
      expect(Array.from(thresholds)).toEqual(b.thresholds.map(num));
      const out = new Uint8Array(values.length);
      binColumn({ type: "numeric", values }, { type: "numeric", thresholds }, null, b.maxBins, out, binner);
      expect(Array.from(out)).toEqual(b.bins);
    });
  }
});

function fitGolden(
  data: string,
  target: string,
  task: "classification" | "regression",
  params: Record<string, unknown>,
) {
  const { X, y } = loadXy(data, target, task === "classification");
  const model =
    task === "classification"
      ? new HistGradientBoostingClassifier({ earlyStopping: false, ...params })
      : new HistGradientBoostingRegressor({ earlyStopping: false, ...params });
  model.fit(X, y);
  return { X, y, model };
}

describe("whole models against sklearn (no early stopping)", () => {
  for (const g of golden.models) {
    it(`${g.data} ${JSON.stringify(g.params)}`, () => {
      const { X, model } = fitGolden(g.data, g.target, g.task, ourParams(g.params));
      const s = model.state;
      expect(model.nIter).toBe(g.nIter);
      expectClose(s.baseline, g.baseline, 1e-12);
      s.trees[0].forEach((t, k) => {
        expectSameTree(t, g.firstTrees[k]);
      });
      s.trees[s.trees.length - 1].forEach((t, k) => {
        expectSameTree(t, g.lastTrees[k]);
      });
      const Xr = X.take(g.rows);
      if (model instanceof HistGradientBoostingClassifier) {
        expect(model.classes).toEqual(g.classes);
        expectClose(model.decisionFunction(Xr), g.raw.flat());
        expectClose(model.predictProba(Xr), g.proba!.flat());
        const stages = [...model.stagedDecisionFunction(X.slice(0, 50))];
        for (const [stage, want] of Object.entries(g.stages))
          expectClose(stages[Number(stage) - 1], want.flat());
      } else {
        const r = model as HistGradientBoostingRegressor;
        expectClose((r.predict(Xr) as { values: Float64Array }).values, g.predictions!);
        const stages = [...r.stagedPredict(X.slice(0, 50))];
        const inverse = g.params.loss === "poisson" ? Math.exp : (v: number) => v;
        for (const [stage, want] of Object.entries(g.stages)) {
          expectClose(
            (stages[Number(stage) - 1] as { values: Float64Array }).values,
            columnMajor(want).map(inverse),
          );
        }
      }
    });
  }
});

describe("5-fold CV scores with default parameters", () => {
  for (const g of golden.cv) {
    it(`${g.data}`, () => {
      const cls = g.task === "classification";
      const { X, y } = loadXy(g.data, g.target, cls);
      const scores = kFold(X.nRows).map(({ train, test }) => {
        const m = cls ? new HistGradientBoostingClassifier() : new HistGradientBoostingRegressor();
        m.fit(X.take(train), takeColumn(y, train));
        return m.score(X.take(test), takeColumn(y, test));
      });
      expectClose(scores, g.scores);
    });
  }
});

describe("early stopping on the training data", () => {
  for (const g of golden.earlyStopping) {
    it(`${g.data} ${JSON.stringify(g.params)}`, () => {
      const { model } = fitGolden(g.data, g.target, g.task, {
        ...ourParams(g.params),
        earlyStopping: true,
        validationFraction: null,
        maxIter: 200,
      });
      expect(model.nIter).toBe(g.nIter);
      expectClose(model.state.trainScore, g.trainScore);
      expect(model.state.validationScore.length).toBe(0);
    });
  }
});

import { describe, expect, it } from "vitest";
import { takeColumn } from "../../src/core/frame.js";
import type { Classifier } from "../../src/core/protocol.js";
import { predictFrame, predictWithProba } from "../../src/evaluate/predict.js";
import {
  DecisionTreeClassifier,
  DummyClassifier,
  HistGradientBoostingClassifier,
  KNeighborsClassifier,
  LogisticRegression,
  RandomForestClassifier,
} from "../../src/models/index.js";
import { defaultPrep, Pipeline, StandardScaler } from "../../src/prep/index.js";
import { loadXy } from "../support/fixtures.js";

const { X, y } = loadXy("wa_churn.csv", "churn", true);
const trainRows = Int32Array.from({ length: 600 }, (_, i) => i);
const Xtrain = X.take(trainRows);
const ytrain = takeColumn(y, trainRows);
const Xtest = X.take(Int32Array.from({ length: 300 }, (_, i) => 600 + i));

const prepared = (model: Classifier, scale: boolean) =>
  new Pipeline([...defaultPrep(X, { scale }).pipeline.steps, ["model", model]]);

describe("predictWithProba", () => {
  const cases: Array<[string, readonly string[], () => Pipeline]> = [
    ["default preparation + logistic regression", X.names, () => prepared(new LogisticRegression(), true)],
    [
      "default preparation + random forest",
      X.names,
      () => prepared(new RandomForestClassifier({ nEstimators: 5, randomState: 0, nJobs: 1 }), false),
    ],
    [
      "default preparation + decision tree",
      X.names,
      () => prepared(new DecisionTreeClassifier({ maxDepth: 4, randomState: 0 }), false),
    ],
    [
      "default preparation + gradient boosting",
      X.names,
      () => prepared(new HistGradientBoostingClassifier({ maxIter: 20, randomState: 0 }), false),
    ],
    [
      "default preparation + distance-weighted neighbours",
      X.names,
      () => prepared(new KNeighborsClassifier({ nNeighbors: 7, weights: "distance" }), true),
    ],
    [
      "default preparation + stratified dummy",
      X.names,
      () => prepared(new DummyClassifier({ strategy: "stratified", randomState: 3 }), false),
    ],
    [
      "scaler + logistic regression (the fused path)",
      ["tenure", "monthly_charges"],
      () =>
        new Pipeline([
          ["scale", new StandardScaler()],
          ["model", new LogisticRegression()],
        ]),
    ],
  ];
  it.each(cases)("gives what predict and predictProba give: %s", (_, cols, make) => {
    const fitted = () => make().fit(Xtrain.select(cols), ytrain);
    const test = Xtest.select(cols);
    const separate = fitted();
    const both = fitted().predictWithProba(test);
    expect(both.labels).toEqual(separate.predict?.(test));
    expect(both.proba).toEqual(separate.predictProba?.(test));
    const model = fitted() as unknown as Classifier;
    expect(predictWithProba(model, test)).toEqual(both);
    const frame = predictFrame(model, test);
    expect(frame.names).toEqual(["prediction", ...model.classes.map((c) => `proba_${c}`)]);
  });

  // The models that predict both in one pass: their labels are the first most probable class, as in
  // scikit-learn (a drawn dummy's are not).
  it.each(cases.filter(([name]) => !name.includes("dummy")))(
    "labels the most probable class: %s",
    (_, cols, make) => {
      const model = make().fit(Xtrain.select(cols), ytrain) as unknown as Classifier;
      const test = Xtest.select(cols);
      const { labels, proba } = predictWithProba(model, test);
      const K = model.classes.length;
      const expected = Array.from({ length: test.nRows }, (_, i) => {
        let best = 0;
        for (let c = 1; c < K; c++) if (proba[i * K + c] > proba[i * K + best]) best = c;
        return model.classes[best];
      });
      const got = labels as { codes: Int32Array; levels: readonly string[] };
      expect(Array.from(got.codes, (c) => got.levels[c])).toEqual(expected);
    },
  );
});

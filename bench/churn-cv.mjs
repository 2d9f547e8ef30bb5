/**
 * 5-fold CV ROC-AUC on examples/churn/wa_churn.csv (target churn, positive "Yes") with the default
 * preparation: LogisticRegression (scaled) and RandomForestClassifier(200 trees, 2 threads, unscaled) with
 * each seed in RF_SEEDS (mean and standard deviation of the CV scores, mean CV time per seed).
 *   node bench/churn-cv.mjs
 */

import {
  crossValidate,
  defaultPrep,
  LogisticRegression,
  Pipeline,
  RandomForestClassifier,
  readFile,
  StratifiedKFold,
} from "../dist/index.js";
import { dataJson, meanStd, predefinedFolds, RF_SEEDS, repoFile, report, seconds } from "./lib.mjs";

const frame = await readFile(repoFile("examples/churn/wa_churn.csv"));
const X = frame.drop(["churn"]);
const y = frame.column("churn");

// scikit-learn's own folds when bench/churn-folds.py has written them, so both sides score the same rows.
const foldOf = dataJson("churn_folds.json");
const sameFolds = foldOf !== null;

async function cv(model, scale) {
  const pipe = new Pipeline([...defaultPrep(X, { scale }).pipeline.steps, ["model", model]]);
  const cvSplit = sameFolds
    ? predefinedFolds(foldOf)
    : new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 });
  const { value, s } = await seconds(() =>
    crossValidate(pipe, X, y, { cv: cvSplit, scoring: ["roc_auc"], positiveClass: "Yes" }),
  );
  return { auc: value.mean.roc_auc, s };
}

const lr = await cv(new LogisticRegression(), true);
// One forest's score is one random draw (its spread across seeds is larger than the gap to compare), so
// both sides score the same seeds and the means are compared.
const rf = [];
for (const seed of RF_SEEDS) {
  rf.push(await cv(new RandomForestClassifier({ nEstimators: 200, nJobs: 2, randomState: seed }), false));
}
report(
  {
    lrAuc: lr.auc,
    lrS: lr.s,
    ...meanStd(
      "rfAuc",
      rf.map((r) => r.auc),
    ),
    rfS: rf.reduce((s, r) => s + r.s, 0) / rf.length,
  },
  { folds: sameFolds ? "scikit-learn's" : "ours" },
);

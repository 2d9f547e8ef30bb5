/**
 * 5-fold CV ROC-AUC on examples/churn/wa_churn.csv (target churn, positive "Yes") with the default
 * preparation: LogisticRegression (scaled) and RandomForestClassifier(200 trees, 2 threads, unscaled).
 *   node bench/churn-cv.mjs
 */

import { existsSync, readFileSync } from "node:fs";
import {
  crossValidate,
  defaultPrep,
  LogisticRegression,
  Pipeline,
  RandomForestClassifier,
  readFile,
  StratifiedKFold,
} from "../dist/index.js";
import { dataDir, repoFile, report, seconds } from "./lib.mjs";

const frame = await readFile(repoFile("examples/churn/wa_churn.csv"));
const X = frame.drop(["churn"]);
const y = frame.column("churn");

// scikit-learn's own folds when bench/churn-folds.py has written them, so both sides score the same rows.
const foldsFile = `${dataDir}churn_folds.json`;
const sameFolds = existsSync(foldsFile);
const foldOf = sameFolds ? JSON.parse(readFileSync(foldsFile, "utf8")) : null;
const sklearnFolds = {
  *split() {
    for (let k = 0; k < 5; k++) {
      const rows = (f) => Int32Array.from(foldOf.flatMap((g, i) => (f(g) ? [i] : [])));
      yield { train: rows((g) => g !== k), test: rows((g) => g === k) };
    }
  },
};

async function cv(model, scale) {
  const pipe = new Pipeline([...defaultPrep(X, { scale }).pipeline.steps, ["model", model]]);
  const cvSplit = sameFolds ? sklearnFolds : new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 });
  const { value, s } = await seconds(() =>
    crossValidate(pipe, X, y, { cv: cvSplit, scoring: ["roc_auc"], positiveClass: "Yes" }),
  );
  return { auc: value.mean.roc_auc, s };
}

const lr = await cv(new LogisticRegression(), true);
const rf = await cv(new RandomForestClassifier({ nEstimators: 200, nJobs: 2, randomState: 0 }), false);
report(
  { lrAuc: lr.auc, lrS: lr.s, rfAuc: rf.auc, rfS: rf.s },
  { folds: sameFolds ? "scikit-learn's" : "ours" },
);

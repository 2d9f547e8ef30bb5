/**
 * 5-fold CV ROC-AUC on examples/churn/wa_churn.csv (target churn, positive "Yes") with the default
 * preparation: LogisticRegression (scaled) and RandomForestClassifier(200 trees, 2 threads, unscaled).
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
import { repoFile, report, seconds } from "./lib.mjs";

const frame = await readFile(repoFile("examples/churn/wa_churn.csv"));
const X = frame.drop(["churn"]);
const y = frame.column("churn");

async function cv(model, scale) {
  const pipe = new Pipeline([...defaultPrep(X, { scale }).pipeline.steps, ["model", model]]);
  const cvSplit = new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 });
  const { value, s } = await seconds(() =>
    crossValidate(pipe, X, y, { cv: cvSplit, scoring: ["roc_auc"], positiveClass: "Yes" }),
  );
  return { auc: value.mean.roc_auc, s };
}

const lr = await cv(new LogisticRegression(), true);
const rf = await cv(new RandomForestClassifier({ nEstimators: 200, nJobs: 2, randomState: 0 }), false);
report({ lrAuc: lr.auc, lrS: lr.s, rfAuc: rf.auc, rfS: rf.s });

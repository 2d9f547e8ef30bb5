/**
 * HistGradientBoostingClassifier with sklearn 1.2's defaults, 5-fold CV ROC-AUC on
 * examples/churn/wa_churn.csv (positive "Yes"), on scikit-learn's StratifiedKFold(5, shuffle,
 * random_state=0) folds (bench/churn-folds.py): with the default preparation's median imputation and
 * one-hot encoding (the shared data sets' reference figure), and with mlship train's native preparation
 * (missing values and categories to the model as they are).
 *   node bench/hgb-churn.mjs
 */
import {
  crossValidate,
  defaultPrep,
  HistGradientBoostingClassifier,
  Pipeline,
  readFile,
  StratifiedKFold,
} from "../dist/index.js";
import { dataJson, predefinedFolds, repoFile, report, seconds } from "./lib.mjs";

const frame = await readFile(repoFile("examples/churn/wa_churn.csv"));
const X = frame.drop(["churn"]);
const y = frame.column("churn");

const foldOf = dataJson("churn_folds.json");
const cvSplit = foldOf
  ? predefinedFolds(foldOf)
  : new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 });

async function cv(native) {
  const prep = defaultPrep(X, { scale: false, native }).pipeline;
  const pipe = new Pipeline([...prep.steps, ["model", new HistGradientBoostingClassifier()]]);
  const { value, s } = await seconds(() =>
    crossValidate(pipe, X, y, { cv: cvSplit, scoring: ["roc_auc"], positiveClass: "Yes" }),
  );
  return { auc: value.mean.roc_auc, s };
}

const oneHot = await cv(false);
const native = await cv(true);
report(
  { aucOneHot: oneHot.auc, cvOneHotS: oneHot.s, aucNative: native.auc, cvNativeS: native.s },
  { folds: foldOf ? "scikit-learn's" : "ours" },
);

/**
 * make_classification 200,000 x 30 (bench/make-classification.py): the first 160,000 rows fit, the last
 * 40,000 scored. Times LogisticRegression fit, RandomForestClassifier(50 trees, 2 threads) fit, and the
 * prediction of the 40,000 rows through a fitted Pipeline (StandardScaler + LogisticRegression).
 *   node bench/synthetic-200k.mjs
 */
import {
  categorical,
  Frame,
  LogisticRegression,
  numeric,
  Pipeline,
  RandomForestClassifier,
  StandardScaler,
} from "../dist/index.js";
import { loadSynthetic, report, seconds } from "./lib.mjs";

const data = loadSynthetic({ Frame, numeric });
if (data === null) {
  report(
    {},
    { skipped: "bench/data/synth_*.{f64,i32} missing: run /usr/bin/python3 bench/make-classification.py" },
  );
  process.exit(0);
}
const { y, frameOf } = data;
const Xtr = frameOf(0, 160_000);
const Xte = frameOf(160_000, 200_000);
const ytr = categorical(y.slice(0, 160_000), ["0", "1"]);
const yte = categorical(y.slice(160_000), ["0", "1"]);

const lr = await seconds(() => new LogisticRegression().fit(Xtr, ytr));
const lrAccuracy = lr.value.score(Xte, yte);

const rf = await seconds(() =>
  new RandomForestClassifier({ nEstimators: 50, nJobs: 2, randomState: 0 }).fit(Xtr, ytr),
);
const rfAccuracy = rf.value.score(Xte, yte);

const pipe = new Pipeline([
  ["scale", new StandardScaler()],
  ["model", new LogisticRegression()],
]).fit(Xtr, ytr);
pipe.predict(Xte); // warm-up: the first call also pays for JIT compilation
let predictS = Number.POSITIVE_INFINITY;
for (let k = 0; k < 5; k++) predictS = Math.min(predictS, (await seconds(() => pipe.predict(Xte))).s);

report({ lrFitS: lr.s, lrAccuracy, rfFitS: rf.s, rfAccuracy, pipePredictS: predictS });

/**
 * HistGradientBoostingClassifier on make_classification 200,000 x 30 (bench/make-classification.py):
 * the first 160,000 rows fit with 100 iterations and no early stopping (sklearn 1.2's other defaults),
 * the last 40,000 scored. Reports fit wall and CPU time, test accuracy and the best of 5 predictions of
 * the 40,000 rows. `--threads N` sets nJobs (default 2).
 *   node bench/hgb-synthetic.mjs
 */
import { categorical, Frame, HistGradientBoostingClassifier, numeric } from "../dist/index.js";
import { loadSynthetic, report, seconds } from "./lib.mjs";

const data = loadSynthetic({ Frame, numeric });
if (data === null) {
  report(
    {},
    { skipped: "bench/data/synth_*.{f64,i32} missing: run /usr/bin/python3 bench/make-classification.py" },
  );
  process.exit(0);
}
const at = process.argv.indexOf("--threads");
const nJobs = at >= 0 ? Number(process.argv[at + 1]) : 2;
const { y, frameOf } = data;
const Xtr = frameOf(0, 160_000);
const Xte = frameOf(160_000, 200_000);
const ytr = categorical(y.slice(0, 160_000), ["0", "1"]);
const yte = categorical(y.slice(160_000), ["0", "1"]);

const cpu = process.cpuUsage();
const fit = await seconds(() =>
  new HistGradientBoostingClassifier({ maxIter: 100, earlyStopping: false, nJobs }).fit(Xtr, ytr),
);
const used = process.cpuUsage(cpu);
const model = fit.value;
const accuracy = model.score(Xte, yte);
model.predictProba(Xte); // warm-up: the first call also compiles and lays out the trees
let predictS = Number.POSITIVE_INFINITY;
for (let k = 0; k < 5; k++) predictS = Math.min(predictS, (await seconds(() => model.predictProba(Xte))).s);

report(
  {
    fitS: fit.s,
    fitCpuS: (used.user + used.system) / 1e6,
    accuracy,
    predictS,
    // the same numbers again, for the rows compared with xgboost
    xgbFitS: fit.s,
    xgbAccuracy: accuracy,
  },
  { threads: model.state.threads },
);

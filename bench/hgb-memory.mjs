/**
 * Binned data for 1,000,000 rows x 50 features (standard normal, 2% missing): how big the uint8 bins
 * are and how long binning takes (quantile thresholds on every row, as sklearn does up to 200,000 rows and
 * on a 200,000-row draw above), then a 10-iteration HistGradientBoostingRegressor fit on 2 threads for the
 * peak memory of a whole fit. The inputs alone are 400 MB of float64.
 *   node bench/hgb-memory.mjs
 */
import { Frame, HistGradientBoostingRegressor, numeric, Random } from "../dist/index.js";
import { Binner, binColumn, numericThresholds } from "../dist/models/hist/binning.js";
import { report, seconds } from "./lib.mjs";

const n = 1_000_000;
const p = 50;
const rng = new Random(0);
const columns = Array.from({ length: p }, () =>
  Float64Array.from({ length: n }, () => (rng.next() < 0.02 ? Number.NaN : rng.normal())),
);
const y = new Float64Array(n);
for (let j = 0; j < 10; j++)
  for (let i = 0; i < n; i++) if (!Number.isNaN(columns[j][i])) y[i] += columns[j][i];
const rssInputs = process.memoryUsage().rss;

const binned = new Uint8Array(n * p);
const bin = await seconds(() => {
  const binner = new Binner();
  const r = new Random(1);
  columns.forEach((values, f) => {
    const thresholds = numericThresholds(values, 255, binner, r);
    binColumn(
      numeric(values),
      { type: "numeric", thresholds },
      null,
      255,
      binned.subarray(f * n, (f + 1) * n),
      binner,
    );
  });
});
const X = new Frame(columns.map((c, j) => [`x${j}`, numeric(c)]));
const fit = await seconds(() =>
  new HistGradientBoostingRegressor({ maxIter: 10, earlyStopping: false, nJobs: 2 }).fit(X, numeric(y)),
);
report({
  binnedMb: binned.byteLength / 2 ** 20,
  binS: bin.s,
  fitS: fit.s,
  inputsRssMb: rssInputs / 2 ** 20,
});

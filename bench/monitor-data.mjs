/**
 * Data for bench/monitor.mjs: a store with the churn example's logistic regression trained by
 * `mlship train` (so its version has a reference profile) and 1,000,000 prediction-log rows written as
 * the server writes them: the 7,043 churn customers cycled, scored by the model, one row per request a
 * second apart; the last 200,000 after a price rise (monthly charges +40%, tenure halved); the last
 * 100,000 labelled with the customers' true outcomes.
 *   node bench/monitor-data.mjs
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parse, stringify } from "yaml";
import "../dist/models/index.js";
import { readFile } from "../dist/data/index.js";
import { passThroughOf, rowReader } from "../dist/serve/predict/input.js";
import { ModelHost } from "../dist/serve/predict/models.js";
import { score } from "../dist/serve/predict/score.js";
import { openStore } from "../dist/store/index.js";
import { dataDir, repoFile } from "./lib.mjs";

const Database = createRequire(import.meta.url)("better-sqlite3");
const rows = 1_000_000;
const driftedFrom = 800_000;
const dir = `${dataDir}monitor/`;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
copyFileSync(repoFile("examples/churn/wa_churn.csv"), `${dir}wa_churn.csv`);
const spec = parse(readFileSync(repoFile("examples/churn/mlship.yaml"), "utf8"));
spec.models = [{ kind: "logisticRegression", params: { c: 1.0, maxIter: 1000 } }];
writeFileSync(`${dir}mlship.yaml`, stringify(spec));
execFileSync(
  "node",
  [
    repoFile("dist/cli/bin.js"),
    "train",
    "--spec",
    `${dir}mlship.yaml`,
    "--store",
    `${dir}store.db`,
    "--json",
  ],
  {
    stdio: ["ignore", "ignore", "inherit"],
  },
);

const store = await openStore(`${dir}store.db`);
const model = await new ModelHost(store).version("telco_churn", 1);
const frame = await readFile(`${dir}wa_churn.csv`);
const truth = frame.rows().map((r) => JSON.stringify(String(r.churn)));
const records = frame.rows().map(({ churn: _, ...r }) => r);
const priceRise = records.map((r) => ({
  ...r,
  monthly_charges: Math.round(r.monthly_charges * 140) / 100,
  tenure: Math.round(r.tenure / 2),
}));
const reader = rowReader(model.artifact.payload.inputSchema, {
  passThrough: passThroughOf(model.artifact.payload),
});
// score() answers with predictFrame's output: `prediction`, and `proba_<class>` per class.
const classes = model.model.classes.map(String);
const scoredOf = (recs) => {
  const out = score(model, reader.frame(recs));
  const predicted = out.column("prediction");
  const proba = classes.map((c) => out.numeric(`proba_${c}`));
  return recs.map((r, i) => ({
    inputs: JSON.stringify(r),
    prediction: JSON.stringify(predicted.levels[predicted.codes[i]]),
    probabilities: JSON.stringify(Object.fromEntries(classes.map((c, j) => [c, proba[j][i]]))),
  }));
};
const calm = scoredOf(records);
const rise = scoredOf(priceRise);
await store.close();

const db = new Database(`${dir}store.db`);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = OFF");
const insert = db.prepare(
  "INSERT INTO prediction_log (request_id, row_index, model, version, alias, fallback, endpoint, at, latency_ms, row_key, inputs, pii, prediction, probabilities) " +
    "VALUES (?, 0, 'telco_churn', 1, 'champion', NULL, 'predict', ?, ?, NULL, ?, NULL, ?, ?)",
);
const start = Date.now() - rows * 1000;
const batch = db.transaction((from, to) => {
  for (let i = from; i < to; i++) {
    const r = (i < driftedFrom ? calm : rise)[i % records.length];
    insert.run(
      `req-bench-${i}`,
      start + i * 1000,
      0.4 + (i % 7) * 0.1,
      r.inputs,
      r.prediction,
      r.probabilities,
    );
  }
});
for (let i = 0; i < rows; i += 50_000) batch(i, Math.min(rows, i + 50_000));
// The latest 100,000 predictions have their true outcome.
const label = db.prepare(
  "INSERT INTO prediction_feedback (request_id, row_index, model, label, labelled_at) VALUES (?, 0, 'telco_churn', ?, ?)",
);
db.transaction(() => {
  for (let i = rows - 100_000; i < rows; i++)
    label.run(`req-bench-${i}`, truth[i % records.length], Date.now());
})();
db.pragma("wal_checkpoint(TRUNCATE)");
db.close();
writeFileSync(
  `${dir}meta.json`,
  JSON.stringify({ rows, driftedFrom, store: `${dir}store.db`, model: "telco_churn" }),
);
console.error(`wrote ${rows} prediction-log rows to ${dir}store.db`);

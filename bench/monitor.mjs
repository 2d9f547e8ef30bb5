/**
 * Monitoring benchmark, on the store bench/monitor-data.mjs writes (1,000,000 logged churn predictions,
 * the last 100,000 labelled):
 *   - drift of the latest 100,000 and 1,000,000 rows against the version's reference profile: the window
 *     read from the log into columns, then every feature's test (what the peer does too);
 *   - the full check of the latest 100,000 rows: drift, prediction drift, performance on the labelled
 *     ones with every interval and test, traffic and the alert rules;
 *   - the HTML report of a 10,000-row window with 12 windows of history.
 *   node bench/monitor.mjs
 * The peer (bench/monitor.peer.py) reads the same windows with Python's sqlite3 and json into pandas,
 * then runs scipy's tests with Evidently's defaults on every feature.
 */
import { readFileSync } from "node:fs";
import {
  assessDrift,
  buildReport,
  checkModel,
  columnsSpec,
  loadVersionProfile,
  readWindow,
  renderReportHtml,
  windowBounds,
} from "../dist/monitor/index.js";
import { openStore } from "../dist/store/index.js";
import { dataDir, report } from "./lib.mjs";

const meta = JSON.parse(readFileSync(`${dataDir}monitor/meta.json`, "utf8"));
const store = await openStore(meta.store, { create: false });
const { profile, version } = await loadVersionProfile(store, meta.model);
const spec = columnsSpec(profile);

async function timed(fn) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, s: (performance.now() - t) / 1000, cpuS: (used.user + used.system) / 1e6 };
}

async function drift(rows) {
  const [bounds] = await windowBounds(store, meta.model, version, { rows });
  const data = await readWindow(store, meta.model, version, bounds, spec, { maxRows: rows });
  return {
    rows: data.rows,
    drifted: assessDrift(profile, profile.monitoring, data.columns, data.rows).driftedCount,
  };
}

const d100k = await timed(() => drift(100_000));
const d1m = await timed(() => drift(1_000_000));
const check = await timed(() => checkModel(store, { model: meta.model, window: { rows: 100_000 } }));
const html = await timed(async () =>
  renderReportHtml(await buildReport(store, { model: meta.model, window: { rows: 10_000 } })),
);
console.error(
  `100k: ${d100k.value.drifted} drifted; 1M: ${d1m.value.drifted} drifted; check: ${check.value.performance.rows} labelled, ` +
    `concept drift ${check.value.performance.conceptDrift}; report ${(html.value.length / 1e6).toFixed(1)} MB`,
);
await store.close();
report({
  drift100kS: d100k.s,
  drift100kCpuS: d100k.cpuS,
  drift1MS: d1m.s,
  drift1MCpuS: d1m.cpuS,
  rowsPerS: d1m.value.rows / d1m.s,
  check100kS: check.s,
  check100kCpuS: check.cpuS,
  reportS: html.s,
  drifted100k: d100k.value.drifted,
  drifted1M: d1m.value.drifted,
});

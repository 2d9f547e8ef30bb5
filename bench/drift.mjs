/**
 * Drift benchmark: a full drift check of 1,000,000 current rows x 50 features (40 numeric, 10 categorical)
 * against a 100,000-row reference (target: under 5 s), on the data bench/drift-data.mjs writes.
 *   node bench/drift.mjs
 * Timed, each on Frames already in memory: detectDrift with the preset's defaults (normed Wasserstein and
 * Jensen-Shannon at this size); detectDrift with KS for every numeric and chi-square for every categorical
 * feature; and the window case, a reference prepared once (numericSample / categoricalSample) compared
 * with the current sample. The peer, bench/drift.peer.py, runs scipy's functions on the same arrays.
 */
import { readFileSync } from "node:fs";
import { categorical, columnSample, detectDrift, detectDriftSamples, Frame, numeric } from "../dist/index.js";
import { dataDir, report, seconds } from "./lib.mjs";

const meta = JSON.parse(readFileSync(`${dataDir}drift-meta.json`, "utf8"));

function frameOf(side, n) {
  const num = new Float64Array(readFileSync(`${dataDir}drift-${side}.f64`).buffer);
  const cat = new Int32Array(readFileSync(`${dataDir}drift-${side}.i32`).buffer);
  const columns = [];
  for (let j = 0; j < meta.numeric; j++) columns.push([`x${j}`, numeric(num.subarray(j * n, (j + 1) * n))]);
  for (let j = 0; j < meta.categorical; j++) {
    columns.push([`c${j}`, categorical(cat.subarray(j * n, (j + 1) * n), meta.levels[j])]);
  }
  return new Frame(columns, n);
}

const reference = frameOf("ref", meta.referenceRows);
const current = frameOf("cur", meta.currentRows);

/** Wall and CPU seconds of fn: the machine is shared, and CPU time shows the work whatever the load. */
async function timed(fn) {
  const cpu = process.cpuUsage();
  const { value, s } = await seconds(fn);
  const used = process.cpuUsage(cpu);
  return { value, s, cpuS: (used.user + used.system) / 1e6 };
}

const preset = await timed(() => detectDrift(reference, current));
const features = Object.fromEntries(
  reference.names.map((n) => [n, { test: reference.column(n).type === "numeric" ? "ks" : "chisquare" }]),
);
const tests = await timed(() => detectDrift(reference, current, { features }));

const prepared = await seconds(() =>
  reference.names.map((n) => ({ column: n, reference: columnSample(reference.column(n)) })),
);
function* windowPairs() {
  for (const p of prepared.value) {
    const c = current.column(p.column);
    yield { ...p, current: columnSample(c) };
  }
}
const window = await seconds(() => detectDriftSamples(windowPairs()));
console.error(
  `preset: ${preset.value.driftedCount} of ${preset.value.testedCount} drifted; ` +
    `KS/chi-square: ${tests.value.driftedCount}; window: ${window.value.driftedCount}`,
);
report({
  presetS: preset.s,
  presetCpuS: preset.cpuS,
  testsS: tests.s,
  testsCpuS: tests.cpuS,
  prepareReferenceS: prepared.s,
  windowS: window.s,
  presetDrifted: preset.value.driftedCount,
  testsDrifted: tests.value.driftedCount,
});

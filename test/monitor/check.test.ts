/**
 * The monitoring state of a trained churn model over windows of a real prediction log: the profile
 * `mlship train` stored, drift by count and by time, prediction drift, performance with intervals and
 * concept drift when labels turn, and the edge cases (empty window, a feature all missing, a category
 * the training data never had).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictFrame } from "../../src/evaluate/index.js";
import {
  checkModel,
  labelledFrame,
  loadVersionProfile,
  readWindow,
  windowBounds,
} from "../../src/monitor/index.js";
import { getModelVersion } from "../../src/registry/index.js";
import { ModelHost } from "../../src/serve/predict/models.js";
import {
  churnLabels,
  churnRecords,
  drifted,
  logLabels,
  logPredictions,
  type Row,
  type TrainedChurn,
  trainChurn,
} from "./helpers.js";

let t: TrainedChurn;
let records: Row[];
let labels: string[];
const t0 = Date.UTC(2026, 0, 5, 9);
const hour = 3_600_000;

beforeAll(async () => {
  t = await trainChurn();
  records = await churnRecords();
  labels = await churnLabels();
}, 120_000);
afterAll(() => t.close());

describe("the reference profile mlship train stores", () => {
  it("profiles every feature and keeps the holdout's predictions and metrics", async () => {
    const { profile, version } = await loadVersionProfile(t.store, t.name);
    expect(version).toBe(t.version);
    if (!profile) throw new Error("no profile");
    expect(profile.data.rows).toBe(7043);
    expect(profile.data.features.map((f) => f.name)).toEqual(Object.keys(records[0]));
    // The whole training set fits in the default sample of 10,000 rows.
    expect(profile.data.sample.rows).toBe(7043);
    const contract = profile.data.features.find((f) => f.name === "contract");
    expect(contract).toMatchObject({ type: "categorical", count: 7043, missing: 0, otherLevels: 0 });
    const expected = new Map<string, number>();
    for (const r of records)
      expected.set(r.contract as string, (expected.get(r.contract as string) ?? 0) + 1);
    if (contract?.type !== "categorical") throw new Error("categorical expected");
    expect(new Map(contract.levels.map((l, i) => [l, contract.counts[i]]))).toEqual(expected);
    const total = profile.data.features.find((f) => f.name === "total_charges");
    expect(total).toMatchObject({ type: "numeric", missing: 11, count: 7032 });

    const v = await getModelVersion(t.store, t.name, t.version);
    expect(profile.holdout.metrics).toEqual(v.evaluation?.holdout);
    expect(profile.holdout.rows).toBe(1409);
    expect(profile.holdout.accuracy?.correct).toBe(Math.round((v.evaluation?.holdout.accuracy ?? 0) * 1409));
    expect(profile.holdout.auc?.auc).toBeCloseTo(v.evaluation?.holdout.roc_auc ?? 0, 12);
    expect(Object.keys(profile.holdout.bootstrap.replicates).sort()).toEqual(["f1", "log_loss"]);
    expect(profile.predictions.features.map((f) => f.name)).toEqual(["prediction", "score"]);
    expect(profile.predictions.rows).toBe(1409);
    expect(profile.classes).toEqual(["No", "Yes"]);
    expect(profile.positiveClass).toBe("Yes");
  });
});

describe("windows of the prediction log", () => {
  beforeAll(async () => {
    // Hour 0-1: 1,500 customers like the training data; hour 2: 1,000 after a price rise.
    await logPredictions(
      t.store,
      t.name,
      t.version,
      records.slice(0, 1500),
      (i) => t0 + Math.floor((i * hour) / 750),
    );
    await logPredictions(
      t.store,
      t.name,
      t.version,
      drifted(records.slice(2000, 3000)),
      (i) => t0 + 2 * hour + Math.floor((i * hour) / 1000),
    );
  }, 60_000);

  it("by count: the latest 1,000 rows are the drifted ones; the 1,000 before are mostly not", async () => {
    const now = t0 + 3 * hour;
    const state = await checkModel(t.store, { model: t.name, now });
    expect(state.window).toMatchObject({ kind: "rows", size: 1000, rows: 1000, truncated: false });
    expect(state.window.from).toBe(t0 + 2 * hour);
    const byName = new Map(state.drift?.features.map((f) => [f.column, f]));
    expect(byName.get("monthly_charges")).toMatchObject({ test: "wasserstein", drifted: true });
    expect(byName.get("tenure")?.drifted).toBe(true);
    expect(byName.get("contract")).toMatchObject({ test: "jensenshannon", drifted: true });
    expect(byName.get("gender" as string)).toBeUndefined();
    expect(byName.get("phone_service")?.drifted).toBe(false);
    expect(state.predictionDrift?.drifted).toBe(true);
    expect(state.findings.find((f) => f.kind === "predictionDrift")?.firing).toBe(true);

    const [older, latest] = await windowBounds(t.store, t.name, t.version, { rows: 1000 }, { count: 2, now });
    expect(latest.after).toEqual(older.through);
    const spec = {
      features: [{ name: "monthly_charges", type: "numeric" as const }],
      classes: ["No", "Yes"],
    };
    const before = await readWindow(t.store, t.name, t.version, older, spec);
    expect(before.rows).toBe(1000);
    expect(before.firstAt).toBe(t0 + Math.floor((500 * hour) / 750));
  });

  it("by time: the first hour does not drift, the third does; dataset drift follows the share", async () => {
    const calm = await checkModel(t.store, { model: t.name, now: t0 + hour, window: { duration: "1h" } });
    expect(calm.window).toMatchObject({ kind: "duration", size: hour, rows: 750, from: t0, to: t0 + hour });
    expect(calm.drift?.driftedCount).toBe(0);
    expect(calm.drift?.datasetDrift).toBe(false);
    expect(calm.predictionDrift?.drifted).toBe(false);

    const priceRise = await checkModel(t.store, {
      model: t.name,
      now: t0 + 3 * hour,
      window: { duration: "1h" },
    });
    expect(priceRise.window.rows).toBe(1000);
    const d = priceRise.drift!;
    expect(d.driftedCount).toBeGreaterThanOrEqual(3);
    expect(d.testedCount).toBe(19);
    expect(d.datasetDrift).toBe(d.share >= 0.5);
    // A lower share in the spec makes the same window a dataset drift.
    const strict = await checkModel(t.store, {
      model: t.name,
      now: t0 + 3 * hour,
      window: { duration: "1h" },
      monitoring: { ...priceRise.monitoring, drift: { ...priceRise.monitoring.drift, share: 0.1 } },
    });
    expect(strict.drift?.datasetDrift).toBe(true);
    expect(strict.findings.find((f) => f.kind === "dataDrift")?.firing).toBe(true);
  });

  it("per-feature tests and thresholds from the spec", async () => {
    const base = (await checkModel(t.store, { model: t.name, now: t0 + hour })).monitoring;
    const state = await checkModel(t.store, {
      model: t.name,
      now: t0 + 3 * hour,
      monitoring: {
        ...base,
        drift: {
          ...base.drift,
          features: { monthly_charges: { test: "psi", threshold: 5 }, tenure: { test: "ks" } },
        },
      },
    });
    const byName = new Map(state.drift?.features.map((f) => [f.column, f]));
    expect(byName.get("monthly_charges")).toMatchObject({ test: "psi", threshold: 5, drifted: false });
    expect(byName.get("tenure")).toMatchObject({ test: "ks", threshold: 0.05, drifted: true });
    expect(byName.get("tenure")?.pValue).toBeLessThan(1e-10);
  });

  it("an empty window: nothing tested, nothing judged, no error", async () => {
    const state = await checkModel(t.store, { model: t.name, now: t0 - hour, window: { duration: "1h" } });
    expect(state.window.rows).toBe(0);
    expect(state.drift?.judged).toBe(false);
    expect(state.drift?.testedCount).toBe(0);
    expect(state.drift?.features.every((f) => f.statistic === null && f.note?.includes("current"))).toBe(
      true,
    );
    expect(state.performance?.rows).toBe(0);
    expect(state.findings.every((f) => !f.firing)).toBe(true);
  });
});

describe("edge cases in the window", () => {
  it("a feature all missing is not tested; an unseen category counts as drift", async () => {
    const start = t0 + 10 * hour;
    const rows = records.slice(3000, 3600).map((r, i) => ({
      ...r,
      total_charges: null,
      payment_method: i % 2 === 0 ? "Crypto wallet" : r.payment_method,
    }));
    await logPredictions(t.store, t.name, t.version, rows, (i) => start + i);
    const state = await checkModel(t.store, { model: t.name, now: start + hour, window: { duration: "1h" } });
    const byName = new Map(state.drift?.features.map((f) => [f.column, f]));
    expect(byName.get("total_charges")).toMatchObject({
      statistic: null,
      drifted: false,
      currentMissingShare: 1,
      note: "no non-missing values in the current sample",
    });
    expect(byName.get("total_charges")?.referenceMissingShare).toBeCloseTo(11 / 7043, 12);
    const payment = byName.get("payment_method");
    expect(payment?.drifted).toBe(true);
    // Half the rows in a level the reference never had: the Jensen-Shannon distance is large.
    expect(payment?.distance).toBeGreaterThan(0.4);
  });
});

describe("performance on labelled predictions", () => {
  it("the holdout's customers again: the holdout's interval, no concept drift", async () => {
    const start = t0 + 20 * hour;
    // The holdout's own customers with their true outcomes: the holdout's performance, exactly.
    const rows = t.holdoutRows;
    const ids = await logPredictions(
      t.store,
      t.name,
      t.version,
      rows.map((r) => records[r]),
      (i) => start + i * 1000,
    );
    await logLabels(
      t.store,
      t.name,
      ids.map((requestId, i) => ({ requestId, label: labels[rows[i]] })),
    );
    const state = await checkModel(t.store, {
      model: t.name,
      now: start + hour,
      window: { duration: "1h" },
    });
    const perf = state.performance!;
    expect(perf.window).toMatchObject({ kind: "duration", rows: 1409 });
    expect(perf.rows).toBe(1409);
    const byMetric = new Map(perf.metrics.map((m) => [m.metric, m]));
    expect([...byMetric.keys()].sort()).toEqual(["accuracy", "f1", "log_loss", "roc_auc"]);
    expect(byMetric.get("accuracy")).toMatchObject({ method: "wilson", significant: false });
    expect(byMetric.get("roc_auc")).toMatchObject({ method: "delong", significant: false });
    expect(byMetric.get("f1")?.method).toBe("bootstrap");
    for (const m of perf.metrics) {
      expect(m.value).toBeCloseTo(m.holdout as number, 10);
      expect(m.drop).toBeCloseTo(0, 10);
      expect(m.lower).toBeLessThan(m.value);
      expect(m.upper).toBeGreaterThan(m.value);
      expect(m.pValue).toBeGreaterThan(0.3);
    }
    expect(perf.conceptDrift).toBe(false);
  });

  it("labels that turned (the model is now wrong on a third of them): concept drift, significant", async () => {
    const start = t0 + 30 * hour;
    const rows = t.holdoutRows;
    const ids = await logPredictions(
      t.store,
      t.name,
      t.version,
      rows.map((r) => records[r]),
      (i) => start + i * 1000,
    );
    await logLabels(
      t.store,
      t.name,
      ids.map((requestId, i) => {
        const truth = labels[rows[i]];
        return { requestId, label: i % 3 === 0 ? (truth === "Yes" ? "No" : "Yes") : truth };
      }),
    );
    const state = await checkModel(t.store, {
      model: t.name,
      now: start + hour,
      window: { duration: "1h" },
    });
    const perf = state.performance!;
    const auc = perf.metrics.find((m) => m.metric === "roc_auc")!;
    expect(auc.drop).toBeGreaterThan(0.1);
    expect(auc.pValue).toBeLessThan(1e-6);
    expect(auc.upper).toBeLessThan(auc.holdout as number);
    expect(perf.conceptDrift).toBe(true);
    const finding = state.findings.find((f) => f.kind === "performanceDrop")!;
    expect(finding.firing).toBe(true);
    expect(finding.message).toContain("roc_auc");
    const accuracy = perf.metrics.find((m) => m.metric === "accuracy")!;
    expect(accuracy.significant).toBe(true);
  });

  it("by count: the latest N labelled predictions, whatever their time", async () => {
    const state = await checkModel(t.store, {
      model: t.name,
      now: t0 + 40 * hour,
      monitoring: {
        ...(await checkModel(t.store, { model: t.name, now: t0 })).monitoring,
        performance: { confidence: 0.9, alpha: 0.01, minLabels: 50, bootstrap: 200, window: { rows: 300 } },
      },
    });
    expect(state.performance?.rows).toBe(300);
    expect(state.performance?.window).toMatchObject({ kind: "rows", rows: 300 });
    expect(state.performance?.conceptDrift).toBe(true);
  });
});

describe("labelledFrame: the latest labelled predictions as model input, for comparing models", () => {
  it("rebuilds the rows the model scored: scoring them again gives the logged predictions", async () => {
    const host = new ModelHost(t.store);
    const loaded = await host.version(t.name, t.version);
    const recent = await labelledFrame(
      t.store,
      t.name,
      loaded.artifact.payload,
      { rows: 500 },
      { now: t0 + 40 * hour },
    );
    expect(recent.frame.nRows).toBe(500);
    expect(recent.frame.names).toEqual(loaded.artifact.payload.inputSchema.columns.map((c) => c.name));
    expect(recent.labels.type).toBe("categorical");
    const logged = await readWindow(
      t.store,
      t.name,
      null,
      recent.bounds,
      { features: [], classes: ["No", "Yes"] },
      { labels: "labelled" },
    );
    const again = predictFrame(loaded.model, recent.frame).column("prediction");
    const classes = ["No", "Yes"];
    if (again.type !== "categorical" || recent.labels.type !== "categorical")
      throw new Error("classes expected");
    expect(Array.from(again.codes, (c) => classes.indexOf(again.levels[c]))).toEqual(
      Array.from(logged.predicted),
    );
    expect(Array.from(recent.labels.codes)).toEqual(Array.from(logged.labels as Int32Array));
  });
});

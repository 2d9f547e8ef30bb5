/**
 * Retraining end to end on a real store: a churn champion, customers logged as the server logs them,
 * labels as the feedback endpoint stores them, and the watcher's rounds on a clock the test controls.
 * Three stories: a price rise the challenger learns (promoted, then the guard keeps it), nothing new
 * to learn (refused, with the reason), and a labelling bug a challenger learns (promoted, then rolled
 * back by the guard once labels are right again).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { churnScenario, readState, Watcher } from "../../src/automate/index.js";
import { readFile } from "../../src/data/index.js";
import { listEvents } from "../../src/monitor/index.js";
import {
  aliasHistory,
  getModelVersion,
  getRegisteredModel,
  getVersionByAlias,
} from "../../src/registry/index.js";
import { getRun, searchRuns } from "../../src/track/index.js";
import type { TrainedChurn } from "../monitor/helpers.js";
import { baseChampion, flip, logCustomers, minute, t0, workspace } from "./helpers.js";

let base: TrainedChurn;
beforeAll(async () => {
  base = await baseChampion();
}, 120_000);
afterAll(async () => {
  await base.close().catch(() => undefined);
});

const data = () => readFile(join(base.dir, "wa_churn.csv"));

describe("a price rise: drift found, a challenger learns the new churn, promoted, guard passed", () => {
  it("promotes on the margin and the paired test, keeps the window out of training, then keeps it after the guard", async () => {
    const w = await workspace(base, {
      on: { drift: { features: ["monthly_charges", "total_charges"] }, performanceDrop: true },
      evaluation: { rows: 500, minRows: 200 },
      promotion: { margin: 0.01, alpha: 0.05 },
      guard: { period: "24h", rows: 500, minRows: 100 },
    });
    try {
      const customers = churnScenario(await data(), { seed: 7, before: 1500, after: 3600 });
      const story = customers.slice(0, 4500);
      const { until } = await logCustomers(w, 1, story, t0);
      let clock = until + 2 * minute;
      const watcher = new Watcher({ store: w.store, project: w.project, now: () => clock });
      const r = await watcher.round();
      expect(r.action).toBe("retrained");
      const drift = r.triggers.find((t) => t.trigger === "drift");
      expect(drift?.fired).toBe(true);
      expect(drift?.reason).toContain("monthly_charges");
      expect(r.triggers.find((t) => t.trigger === "performanceDrop")?.fired).toBe(true);

      const d = r.decision!;
      expect(d.outcome).toBe("promoted");
      const c = d.comparison!;
      expect(c.metric).toBe("roc_auc");
      expect(c.rows).toBe(500);
      expect(c.test).toContain("DeLong");
      // The challenger learned the new relationship: it ranks the latest customers clearly better.
      expect(c.improvement).toBeGreaterThanOrEqual(0.01);
      expect(c.pValue!).toBeLessThan(0.05);
      expect(c.b).toBeGreaterThan(c.a);
      // The window is the latest 500 labelled predictions, and no trained-on log row is as recent.
      expect(d.data!.evaluationRows).toBe(500);
      expect(d.data!.logRows + d.data!.evaluationRows).toBeLessThanOrEqual(4500);
      expect(d.data!.logSpan!.to).toBeLessThan(d.data!.evaluationSpan!.from);
      expect(d.data!.evaluationSpan!.to).toBe(until);
      expect(d.data!.sourceRows).toBeGreaterThan(6800);

      const model = await getRegisteredModel(w.store, w.name);
      expect(model.aliases.champion).toBe(2);
      const [move] = (await aliasHistory(w.store, w.name, "champion")).slice(-1);
      expect(move).toMatchObject({ fromVersion: 1, toVersion: 2, actor: "mlship watch" });
      expect(move.reason).toContain("roc_auc");

      // Recorded: the decision run (its training a child of it) and a decision event.
      const run = await getRun(w.store, d.runId!);
      expect(run.tags["mlship.decision"]).toBe("promoted");
      expect(run.metrics.improvement.value).toBeCloseTo(c.improvement, 12);
      const children = await searchRuns(w.store, { parentRunId: d.runId! });
      expect(children.runs.map((x) => x.tags["mlship.role"])).toEqual(["challenger"]);
      const [event] = await listEvents(w.store, { model: w.name, type: "decision" });
      expect(event).toMatchObject({ status: "promoted", version: 2, runId: d.runId, kind: "retrain" });
      expect((await readState(w.store, w.name)).guard).toMatchObject({ version: 2, previous: 1 });

      // The guard: v2 now serves the next customers; once 500 are labelled both are judged on them.
      const next = customers.slice(4500);
      const served = await logCustomers(w, 2, next.slice(0, 300), clock + minute);
      clock = served.until + 2 * minute;
      const waiting = await watcher.round();
      expect(waiting.action).toBe("guard-running");
      expect(waiting.message).toContain("300 of 500");
      const rest = await logCustomers(w, 2, next.slice(300), clock + minute);
      clock = rest.until + 2 * minute;
      const judged = await watcher.round();
      expect(judged.action).toBe("guard-ended");
      expect(judged.decision?.outcome).toBe("kept");
      const g = judged.decision!.comparison!;
      expect(g.rows).toBe(500);
      // A is the new champion, B the old one: the old one is not better.
      expect(g.a).toBeGreaterThan(g.b);
      expect((await getVersionByAlias(w.store, w.name, "champion")).version).toBe(2);
      expect((await readState(w.store, w.name)).guard).toBeNull();
      await watcher.stop();
      const watch = await searchRuns(w.store, { filter: "tags.`mlship.kind` = 'watch'" });
      expect(watch.runs).toHaveLength(1);
      expect(watch.runs[0].status).toBe("FINISHED");
    } finally {
      await w.close();
    }
  }, 240_000);
});

describe("nothing new to learn: refused, with the reason", () => {
  it("retrains after N new labels, and keeps the champion when the challenger is no better by the margin", async () => {
    const w = await workspace(base, {
      on: { newLabels: 1000 },
      evaluation: { rows: 500, minRows: 200 },
      promotion: { margin: 0.01, alpha: 0.05 },
    });
    try {
      const customers = churnScenario(await data(), { seed: 11, before: 1500, after: 0 });
      const { until } = await logCustomers(w, 1, customers, t0);
      const watcher = new Watcher({ store: w.store, project: w.project, now: () => until + 2 * minute });
      const r = await watcher.round();
      expect(r.triggers).toMatchObject([{ trigger: "newLabels", fired: true, value: 1500 }]);
      const d = r.decision!;
      expect(d.outcome).toBe("refused");
      expect(Math.abs(d.comparison!.improvement)).toBeLessThan(0.01);
      expect(d.reasons.join("\n")).toMatch(/short of the margin 0\.01/);
      expect(d.summary).toContain("v1 stays champion");
      const model = await getRegisteredModel(w.store, w.name);
      expect(model.aliases.champion).toBe(1);
      expect(model.latestVersion).toBe(2);
      const [event] = await listEvents(w.store, { model: w.name, type: "decision" });
      expect(event.status).toBe("refused");
      // The challenger's file is its own: the champion's artifact path is never overwritten.
      const file = readFileSync(join(w.dir, ".mlship", "telco_churn.challenger.mlship"));
      expect(createHash("sha256").update(file).digest("hex")).toBe(
        (await getModelVersion(w.store, w.name, 2)).artifactSha256,
      );
      await watcher.stop();
    } finally {
      await w.close();
    }
  }, 240_000);
});

describe("a labelling bug: a challenger learns it, the guard rolls it back", () => {
  it("rolls back when the old champion is significantly better on the rows labelled during the guard", async () => {
    const w = await workspace(base, {
      on: { newLabels: 1000 },
      // Trained on the log alone, so the bad labels are all it knows.
      data: { sources: false, log: true },
      evaluation: { rows: 500, minRows: 200 },
      guard: { period: "24h", rows: 400, minRows: 100, alpha: 0.01 },
    });
    try {
      const customers = churnScenario(await data(), { seed: 5, before: 2600, after: 0 });
      // For 2,200 customers the feedback pipeline sent every outcome inverted.
      const { until } = await logCustomers(w, 1, customers.slice(0, 2200), t0, {
        label: (c) => flip(c.label),
      });
      let clock = until + 2 * minute;
      const watcher = new Watcher({ store: w.store, project: w.project, now: () => clock });
      const r = await watcher.round();
      expect(r.decision?.outcome).toBe("promoted");
      expect(r.decision?.data).toMatchObject({ sourceRows: 0, evaluationRows: 500 });
      expect((await getVersionByAlias(w.store, w.name, "champion")).version).toBe(2);

      // Fixed: the next customers' outcomes arrive right, and v2 serves them.
      const fixed = await logCustomers(w, 2, customers.slice(2200), clock + minute);
      clock = fixed.until + 2 * minute;
      const g = await watcher.round();
      expect(g.action).toBe("guard-ended");
      const d = g.decision!;
      expect(d.outcome).toBe("rolled-back");
      expect(d.comparison!.b).toBeGreaterThan(d.comparison!.a + 0.3);
      expect(d.comparison!.pValue!).toBeLessThan(0.01);
      expect(d.summary).toContain("rolled back to v1");
      expect((await getVersionByAlias(w.store, w.name, "champion")).version).toBe(1);
      const [last] = (await aliasHistory(w.store, w.name, "champion")).slice(-1);
      expect(last).toMatchObject({ action: "rollback", fromVersion: 2, toVersion: 1, actor: "mlship watch" });
      expect(last.reason).toContain("guard");
      const events = await listEvents(w.store, { model: w.name, type: "decision" });
      expect(events.map((e) => e.status)).toEqual(["rolled-back", "promoted"]);
      await watcher.stop();
    } finally {
      await w.close();
    }
  }, 240_000);
});

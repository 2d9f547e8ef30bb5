/**
 * The triggers, each on a real store and the champion's real monitoring state, on a clock the test
 * moves (no sleeping): drift fires on the price rise and not on unchanged customers, a performance drop
 * on labels that turned, the label count at exactly N, the cron schedule once its time passes; and the
 * hold-backs (too few labels, cooldown, another watcher's lease) recorded as decisions, once each.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireLease,
  churnScenario,
  driftTrigger,
  labelsSince,
  newLabelsTrigger,
  performanceTrigger,
  readState,
  releaseLease,
  scheduleTrigger,
  updateState,
  Watcher,
} from "../../src/automate/index.js";
import { readFile } from "../../src/data/index.js";
import { checkModel, listEvents } from "../../src/monitor/index.js";
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

const customers = async (seed: number, before: number, after: number) =>
  churnScenario(await readFile(join(base.dir, "wa_churn.csv")), { seed, before, after });

describe("drift and performance drop, on the champion's monitoring state", () => {
  it("unchanged customers fire neither; the price rise fires drift naming the features; turned labels fire the drop", async () => {
    const w = await workspace(base, { on: { drift: true } });
    try {
      const story = await customers(3, 1000, 1000);
      const calm = await logCustomers(w, 1, story.slice(0, 1000), t0);
      const m = w.project.spec.monitoring;
      const stateCalm = await checkModel(w.store, { model: w.name, monitoring: m, now: calm.until });
      const features = { features: ["monthly_charges", "total_charges"] };
      expect(driftTrigger(features, stateCalm)).toMatchObject({ fired: false, judged: true });
      expect(driftTrigger(true, stateCalm).fired).toBe(false);
      // This holdout's AUC (0.865) sits above the model's CV mean (0.840): on unchanged customers the
      // live AUC can test significantly below it, so a minimum drop keeps the trigger to real breaks.
      expect(performanceTrigger({ minDrop: 0.05 }, stateCalm)).toMatchObject({ fired: false, judged: true });

      const rise = await logCustomers(w, 1, story.slice(1000), calm.until + minute, {
        // Outcomes not known yet for the newest customers.
        label: (_c, i) => (i < 500 ? _c.label : null),
      });
      const stateRise = await checkModel(w.store, { model: w.name, monitoring: m, now: rise.until });
      const d = driftTrigger(features, stateRise);
      expect(d.fired).toBe(true);
      expect(d.reason).toMatch(/^drift in monthly_charges \(wasserstein 0\.[1-9]\d*\)/);
      // Two of nineteen features is not dataset drift at the default share of one half...
      const share = driftTrigger(true, stateRise);
      expect(share.fired).toBe(false);
      expect(share.reason).toMatch(/\d+ of 19 features drifted/);
      // ...but is at a share of 10%.
      expect(driftTrigger({ share: 0.1 }, stateRise).fired).toBe(true);

      // Labels that turned: 35% of the latest outcomes are the opposite of what the model learned.
      const turned = await logCustomers(w, 1, story.slice(0, 1000), rise.until + minute, {
        label: (c, i) => (i % 20 < 7 ? flip(c.label) : c.label),
      });
      const stateTurned = await checkModel(w.store, { model: w.name, monitoring: m, now: turned.until });
      const p = performanceTrigger(true, stateTurned);
      expect(p.fired).toBe(true);
      expect(p.reason).toMatch(
        /^performance dropped: roc_auc 0\.\d+ .* on 1000 labelled predictions vs 0\.865/,
      );
      // A minimum drop larger than what happened holds it back.
      expect(performanceTrigger({ minDrop: 0.5 }, stateTurned).fired).toBe(false);
    } finally {
      await w.close();
    }
  }, 120_000);
});

describe("new labels and the schedule", () => {
  it("newLabels fires at exactly N labels since the champion was registered (or the last retraining)", async () => {
    const w = await workspace(base, { on: { newLabels: 300 } });
    try {
      const story = await customers(4, 300, 0);
      await logCustomers(w, 1, story.slice(0, 299), t0, { labelledAt: t0 + hour });
      expect(await labelsSince(w.store, w.name, t0, t0 + hour)).toBe(299);
      expect(newLabelsTrigger(300, 299, "v1").fired).toBe(false);
      await logCustomers(w, 1, story.slice(299), t0 + 2 * hour, { labelledAt: t0 + 3 * hour });
      expect(await labelsSince(w.store, w.name, t0, t0 + 3 * hour)).toBe(300);
      // Labels arriving after the clock's now are not counted yet.
      expect(await labelsSince(w.store, w.name, t0, t0 + 2 * hour)).toBe(299);
      const r = newLabelsTrigger(300, 300, "v1 was registered");
      expect(r).toMatchObject({
        fired: true,
        reason: "300 predictions labelled since v1 was registered (the trigger is 300)",
      });
      // After a retraining, only labels since it count.
      await updateState(w.store, w.name, { lastRetrainAt: t0 + 2 * hour });
      const watcher = new Watcher({
        store: w.store,
        project: w.project,
        now: () => t0 + 3 * hour,
        trackRounds: false,
      });
      const round = await watcher.round();
      expect(round.triggers[0]).toMatchObject({ trigger: "newLabels", value: 1, fired: false });
      await watcher.stop();
    } finally {
      await w.close();
    }
  }, 120_000);

  it("a cron schedule fires once its time passes, on the injected clock, and is remembered across watchers", async () => {
    const at = Date.UTC(2027, 2, 1, 9, 2);
    expect(scheduleTrigger("*/5 * * * *", "UTC", null, at)).toMatchObject({ fired: false });
    expect(scheduleTrigger("*/5 * * * *", "UTC", at, at + 2 * minute)).toMatchObject({ fired: false });
    const due = scheduleTrigger("*/5 * * * *", "UTC", at, at + 4 * minute);
    expect(due).toMatchObject({ fired: true, value: Date.UTC(2027, 2, 1, 9, 5) });
    // Time zones: 03:00 in Paris is 02:00 UTC in winter.
    const paris = scheduleTrigger(
      "0 3 * * *",
      "Europe/Paris",
      Date.UTC(2027, 0, 10, 1, 0),
      Date.UTC(2027, 0, 10, 2, 30),
    );
    expect(paris).toMatchObject({ fired: true, value: Date.UTC(2027, 0, 10, 2, 0) });

    const w = await workspace(base, {
      on: { schedule: "*/5 * * * *" },
      evaluation: { rows: 500, minRows: 200 },
    });
    try {
      let clock = t0 + 2 * minute;
      const first = new Watcher({ store: w.store, project: w.project, now: () => clock });
      expect((await first.round()).triggers[0]).toMatchObject({ trigger: "schedule", fired: false });
      await first.stop();
      // Another watcher (a restart) picks up where the first left off.
      clock = t0 + 6 * minute;
      const second = new Watcher({ store: w.store, project: w.project, now: () => clock });
      const due2 = await second.round();
      expect(due2.triggers[0]).toMatchObject({ fired: true });
      expect(due2.triggers[0].reason).toContain("scheduled retraining (*/5 * * * *");
      // Fired, but there are no labels to judge a challenger by: held back, and recorded.
      expect(due2.action).toBe("skipped");
      expect(due2.decision?.outcome).toBe("skipped");
      expect(due2.decision?.summary).toContain("0 labelled predictions, 200 needed");
      clock = t0 + 11 * minute;
      const again = await second.round();
      expect(again.triggers[0].fired).toBe(true);
      // The same hold-back is not recorded twice.
      expect(again.decision).toBeNull();
      expect((await listEvents(w.store, { model: w.name, type: "decision" })).map((e) => e.status)).toEqual([
        "skipped",
      ]);
      await second.stop();
      // Every round is a step of the watcher's run: triggered or not.
      const runs = await searchRuns(w.store, { filter: "tags.`mlship.kind` = 'watch'" });
      expect(runs.runs).toHaveLength(2);
      const history = await getRun(w.store, runs.runs[0].runId);
      expect(history.metrics.triggered.value).toBe(1);
    } finally {
      await w.close();
    }
  }, 120_000);
});

const hour = 60 * minute;

describe("hold-backs: cooldown and another watcher's lease", () => {
  it("a trigger that fires during the cooldown or under another watcher's lease does not retrain", async () => {
    const w = await workspace(base, {
      on: { newLabels: 200 },
      cooldown: "1h",
      evaluation: { rows: 300, minRows: 200 },
    });
    try {
      const story = await customers(6, 400, 0);
      const { until } = await logCustomers(w, 1, story, t0);
      const now = until + 5 * minute;
      const lease = await acquireLease(w.store, w.name, "other-watcher", { now, ttlMs: 10 * minute });
      expect(lease.acquired).toBe(true);
      const watcher = new Watcher({ store: w.store, project: w.project, now: () => now, holder: "me" });
      const held = await watcher.round();
      expect(held.action).toBe("skipped");
      expect(held.decision?.summary).toBe(
        "retraining skipped: another watcher (other-watcher) is retraining telco_churn",
      );
      // A second lease request from the other watcher renews; ours is refused until it ends.
      expect((await acquireLease(w.store, w.name, "me", { now, ttlMs: 1000 })).holder).toBe("other-watcher");
      // An expired lease (a watcher that died) can be taken over.
      expect(
        (await acquireLease(w.store, w.name, "me", { now: now + 11 * minute, ttlMs: 1000 })).acquired,
      ).toBe(true);
      await releaseLease(w.store, w.name, "me");
      expect((await readState(w.store, w.name)).leaseHolder).toBeNull();

      // The last retraining began 10 minutes ago: the cooldown holds this one back.
      await updateState(w.store, w.name, { lastRetrainAt: now - 10 * minute });
      await logCustomers(w, 1, story, now - 9 * minute, { labelledAt: now - minute });
      const cooling = await watcher.round();
      expect(cooling.triggers[0].fired).toBe(true);
      expect(cooling.action).toBe("skipped");
      expect(cooling.decision?.summary).toMatch(
        /^retraining waits for the cooldown: the last one began at .*, the next may start at /,
      );
      const events = await listEvents(w.store, { model: w.name, type: "decision" });
      expect(events.map((e) => e.status)).toEqual(["skipped", "skipped"]);
      // Nothing was trained: still one version, no lease left behind.
      expect((await searchRuns(w.store, { filter: "tags.`mlship.role` = 'challenger'" })).runs).toHaveLength(
        0,
      );
      expect((await readState(w.store, w.name)).leaseHolder).toBeNull();
      await watcher.stop();
    } finally {
      await w.close();
    }
  }, 120_000);
});

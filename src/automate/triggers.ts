/**
 * The spec's retraining triggers, each judged on the champion's monitoring state and the store: drift
 * (the dataset's share of drifted features, or named features), a significant performance drop against
 * the holdout (concept drift), a cron schedule, and a count of predictions labelled since the last
 * retraining. Every trigger says why it fired or not, in words a person can act on.
 */
import { Cron } from "croner";
import type { MonitoringState } from "../monitor/index.js";
import type { RetrainingSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";

export type TriggerName = "drift" | "performanceDrop" | "schedule" | "newLabels";

export interface TriggerResult {
  trigger: TriggerName;
  fired: boolean;
  /** False when there was too little data to decide. */
  judged: boolean;
  reason: string;
  /** What was measured (a drifted share, a p-value, labels counted), for the record. */
  value: number | null;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const num = (x: number) => String(Number(x.toPrecision(3)));

/** Drift in the words of the features that drifted, with the test that said so. */
export function driftedWords(state: MonitoringState, only?: readonly string[]): string {
  const drifted = (state.drift?.features ?? []).filter(
    (f) => f.drifted && (only === undefined || only.includes(f.column)),
  );
  return drifted.map((f) => `${f.column} (${f.test} ${num(f.statistic ?? f.pValue ?? 0)})`).join(", ");
}

export function driftTrigger(policy: RetrainingSpec["on"]["drift"], state: MonitoringState): TriggerResult {
  const base = { trigger: "drift" as const };
  const d = state.drift;
  if (!d)
    return {
      ...base,
      fired: false,
      judged: false,
      reason: "the champion has no reference profile",
      value: null,
    };
  if (!d.judged)
    return { ...base, fired: false, judged: false, reason: d.note ?? "the window is too small", value: null };
  if (typeof policy === "object" && policy.features !== undefined) {
    const words = driftedWords(state, policy.features);
    return {
      ...base,
      fired: words !== "",
      judged: true,
      reason: words !== "" ? `drift in ${words}` : `none of ${policy.features.join(", ")} drifted`,
      value: d.features.filter((f) => f.drifted && policy.features?.includes(f.column)).length,
    };
  }
  const share = typeof policy === "object" && policy.share !== undefined ? policy.share : d.driftShare;
  const fired = d.testedCount > 0 && d.share >= share;
  const counted = `${d.driftedCount} of ${d.testedCount} features drifted (${pct(d.share)}; the trigger is ${pct(share)})`;
  return {
    ...base,
    fired,
    judged: true,
    reason: fired ? `drift in ${driftedWords(state)}: ${counted}` : counted,
    value: d.share,
  };
}

export function performanceTrigger(
  policy: RetrainingSpec["on"]["performanceDrop"],
  state: MonitoringState,
): TriggerResult {
  const base = { trigger: "performanceDrop" as const };
  const p = state.performance;
  const e = p?.metrics.find((m) => m.metric === p.primary);
  if (!p || !e || e.pValue === null || p.note)
    return {
      ...base,
      fired: false,
      judged: false,
      reason:
        p?.note ??
        (p ? `no test of ${p.primary} against the holdout` : "the champion has no reference profile"),
      value: null,
    };
  const minDrop = typeof policy === "object" ? policy.minDrop : 0;
  const fired = e.significant && (e.drop ?? 0) >= minDrop;
  const measured = `${e.metric} ${num(e.value)} [${num(e.lower)}, ${num(e.upper)}] on ${p.rows} labelled predictions vs ${num(e.holdout ?? Number.NaN)} on the holdout (p = ${num(e.pValue)})`;
  return {
    ...base,
    fired,
    judged: true,
    reason: fired
      ? `performance dropped: ${measured}`
      : `${measured}: ${e.significant ? `a drop below the trigger's ${minDrop}` : "no significant drop"}`,
    value: e.value,
  };
}

/**
 * Fires when a scheduled time falls in (checkedUntil, now]; the first look (no checkedUntil) only
 * starts the clock, so a new watcher does not retrain at once for a time that passed before it existed.
 */
export function scheduleTrigger(
  pattern: string,
  timezone: string,
  checkedUntil: number | null,
  now: number,
): TriggerResult & { next: number | null } {
  const cron = new Cron(pattern, { paused: true, timezone });
  const from = checkedUntil ?? now;
  const due = cron.nextRun(new Date(from));
  const nextAfterNow = cron.nextRun(new Date(now));
  const fired = checkedUntil !== null && due !== null && due.getTime() <= now;
  const nextText = nextAfterNow ? nextAfterNow.toISOString() : "never";
  return {
    trigger: "schedule",
    fired,
    judged: true,
    reason: fired
      ? `scheduled retraining (${pattern}, due ${(due as Date).toISOString()})`
      : `next scheduled retraining at ${nextText} (${pattern}, ${timezone})`,
    value: fired ? (due as Date).getTime() : null,
    next: nextAfterNow ? nextAfterNow.getTime() : null,
  };
}

/** Predictions of `model` labelled in (since, now]. */
export async function labelsSince(store: Store, model: string, since: number, now: number): Promise<number> {
  const r = await store.db
    .selectFrom("prediction_feedback")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("model", "=", model)
    .where("labelled_at", ">", since)
    .where("labelled_at", "<=", now)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export function newLabelsTrigger(needed: number, count: number, sinceWhat: string): TriggerResult {
  const fired = count >= needed;
  return {
    trigger: "newLabels",
    fired,
    judged: true,
    reason: fired
      ? `${count} predictions labelled since ${sinceWhat} (the trigger is ${needed})`
      : `${count} of ${needed} labelled predictions since ${sinceWhat}`,
    value: count,
  };
}

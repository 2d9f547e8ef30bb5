/**
 * What `mlship train` does with its best model: register it as the next version of the spec's model
 * and, when the spec says `promote: ifBetter`, make it champion if it meets the threshold and
 * constraints and beats the current champion's holdout score. The decision always comes back in words,
 * promoted or not, so the CLI can say why.
 */
import { MlshipError } from "../core/errors.js";
import type { TrainSummary } from "../evaluate/index.js";
import type { Spec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { championAlias, setAlias } from "./aliases.js";
import { better, championFailures, criteriaFromSpec, evaluationFromSummary } from "./evaluation.js";
import { aliasTarget, readVersion } from "./rows.js";
import { createModelVersion } from "./versions.js";

export interface TrainRegistration {
  name: string;
  version: number;
  metric: string;
  /** The new version's holdout score on the primary metric. */
  score: number;
  promote: "never" | "ifBetter";
  promoted: boolean;
  champion: {
    /** Champion version before and after this registration (null: none). */
    before: number | null;
    after: number | null;
    /** The previous champion's holdout score, when it had one. */
    score: number | null;
  };
  /** Why it was or was not promoted. */
  reason: string;
  /** One line for the terminal, e.g. "registered churn v3; champion stays v2 (0.861 vs 0.866)". */
  message: string;
}

export interface RegisterTrainedOptions {
  spec: Spec;
  /** The tracked run that trained it. */
  runId: string | null;
  /** The saved artifact's bytes. */
  artifact: Uint8Array;
  summary: TrainSummary;
  actor: string;
  /**
   * Overrides the spec's registry.promote (automatic retraining registers its challenger with "never"
   * and decides on live data), with the reason recorded for "never" and the version's source tag.
   */
  promote?: { mode: "never" | "ifBetter"; reason?: string; source?: string };
}

const fmt = (x: number | null) => (x === null || Number.isNaN(x) ? "n/a" : String(Number(x.toFixed(4))));

export async function registerTrainedModel(
  store: Store,
  options: RegisterTrainedOptions,
): Promise<TrainRegistration> {
  const { spec, summary, actor } = options;
  const name = spec.registry.model ?? spec.name;
  const mode = options.promote?.mode ?? spec.registry.promote;
  const evaluation = evaluationFromSummary(summary, spec.constraints);
  const v = await createModelVersion(store, {
    name,
    artifact: options.artifact,
    runId: options.runId,
    dataFingerprint: summary.data.fingerprint,
    evaluation,
    tags: { "mlship.model": summary.best, "mlship.source": options.promote?.source ?? "mlship train" },
    actor,
  });
  const metric = summary.metric.primary;
  const score = summary.holdout[metric];
  const before = await aliasTarget(store.db, name, championAlias);
  const championScore =
    before === null
      ? null
      : ((await readVersion(store.db, name, before)).evaluation?.holdout[metric] ?? null);
  const decide = (promoted: boolean, reason: string): TrainRegistration => {
    const after = promoted ? v.version : before;
    const head = `registered ${name} v${v.version}`;
    const tail = promoted
      ? `now champion${before === null ? "" : ` (was v${before})`}: ${reason}`
      : before === null
        ? `no champion: ${reason}`
        : `champion stays v${before}: ${reason}`;
    return {
      name,
      version: v.version,
      metric,
      score,
      promote: mode,
      promoted,
      champion: { before, after, score: championScore },
      reason,
      message: `${head}; ${tail}`,
    };
  };

  if (mode === "never")
    return decide(false, options.promote?.reason ?? "the spec's registry.promote is never");
  const failures = championFailures(evaluation, criteriaFromSpec(spec));
  if (failures.length > 0) return decide(false, failures.join("; "));
  const direction = summary.metric.direction;
  let reason: string;
  if (before === null) {
    reason = `no champion yet and holdout ${metric} ${fmt(score)} meets the threshold ${spec.metric.threshold}`;
  } else if (championScore === null || Number.isNaN(championScore)) {
    return decide(false, `v${before} has no holdout ${metric} to compare with`);
  } else if (!better(direction, score, championScore)) {
    return decide(false, `${metric} ${fmt(score)} vs ${fmt(championScore)}`);
  } else {
    reason = `holdout ${metric} ${fmt(score)} beats v${before}'s ${fmt(championScore)} and meets the threshold ${spec.metric.threshold}`;
  }
  try {
    await setAlias(store, {
      name,
      alias: championAlias,
      version: v.version,
      actor,
      reason: `mlship train: ${reason}`,
      criteria: criteriaFromSpec(spec),
      expectedVersion: before,
    });
  } catch (err) {
    // Another process moved the champion meanwhile, or the artifact failed its check: keep the version.
    if (err instanceof MlshipError && err.code.startsWith("E_GUARD_")) return decide(false, err.what);
    throw err;
  }
  return decide(true, reason);
}

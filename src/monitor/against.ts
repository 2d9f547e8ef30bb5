/**
 * Drift of a window against a reference profile: numeric features are compared with the profile's
 * sample (the whole training set when it is smaller than sampleRows), categorical ones with the exact
 * level counts of the whole training set. Tests are chosen by the size of the training set the sample
 * stands for, so a profile judges a window as the full training data would.
 *
 * PII features are skipped: the log holds them only as keyed hashes, which cannot be compared with
 * training values (and the profile keeps none). A categorical profile that pooled rare levels (over
 * 1,000 of them) pools a window's unknown levels with them; otherwise a level the training data never
 * had is compared as a new level, which chi-square and the distances count as drift.
 */
import {
  categoricalSample,
  compareSamples,
  type DriftOptions,
  type DriftReport,
  type DriftSample,
  type FeatureDrift,
  type FeatureOptions,
  numericSample,
  summariseDrift,
} from "./drift.js";
import { type FeatureProfile, type ProfiledFrame, sampleValues } from "./profile.js";
import type { WindowColumn } from "./window.js";

const otherLevel = "(other levels)";

/** The reference side of a feature, prepared once per profile. */
export interface PreparedFeature {
  profile: FeatureProfile;
  sample: DriftSample | null;
}

export function prepareReference(frame: ProfiledFrame): Map<string, PreparedFeature> {
  const out = new Map<string, PreparedFeature>();
  for (const f of frame.features) {
    let sample: DriftSample | null = null;
    if (f.type === "numeric") {
      const col = frame.sample.columns[f.name];
      sample = numericSample(col ? (sampleValues(col) as Float64Array) : new Float64Array(0));
    } else if (f.type === "categorical") {
      const levels = f.otherCount > 0 ? [...f.levels, otherLevel] : f.levels;
      const counts = Float64Array.from(f.otherCount > 0 ? [...f.counts, f.otherCount] : f.counts);
      sample = { type: "categorical", levels, counts, missing: f.missing };
    }
    out.set(f.name, { profile: f, sample });
  }
  return out;
}

/** A window column as a drift sample matching the profile's kind of feature. */
export function currentSample(feature: PreparedFeature, column: WindowColumn | undefined): DriftSample {
  const f = feature.profile;
  if (f.type === "numeric") {
    return numericSample(column?.type === "numeric" ? column.values : new Float64Array(0));
  }
  if (column?.type !== "categorical") return categoricalSample(new Int32Array(0), []);
  if (f.type === "categorical" && f.otherCount > 0) {
    // Levels the profile did not keep cannot be told apart from its pooled rare ones.
    const known = new Set(f.levels);
    const levels = column.levels.map((l) => (known.has(l) ? l : otherLevel));
    return categoricalSample(column.codes, levels);
  }
  return categoricalSample(column.codes, column.levels);
}

function optionsFor(name: string, options: DriftOptions): FeatureOptions {
  const own = options.features?.[name] ?? {};
  return { test: own.test ?? options.test, threshold: own.threshold ?? options.threshold };
}

/**
 * Each feature of the profile against the window's column of the same name. `minRows`: windows with
 * fewer rows report their statistics but no feature (and not the dataset) is called drifted.
 */
export function driftAgainstProfile(
  reference: Map<string, PreparedFeature>,
  columns: ReadonlyMap<string, WindowColumn>,
  rows: number,
  options: DriftOptions & { minRows?: number } = {},
): DriftReport & { judged: boolean; note?: string } {
  const features: FeatureDrift[] = [];
  const skipped: DriftReport["skipped"] = [];
  const excluded = new Set(options.exclude ?? []);
  for (const [name, prepared] of reference) {
    if (excluded.has(name) || (options.columns && !options.columns.includes(name))) continue;
    const f = prepared.profile;
    if (f.type === "pii") {
      skipped.push({
        column: name,
        reason: "PII: the prediction log holds keyed hashes, not values to compare",
      });
      continue;
    }
    if (f.type === "datetime" || prepared.sample === null) {
      skipped.push({ column: name, reason: "datetime columns are not tested for drift" });
      continue;
    }
    const result = compareSamples(
      name,
      prepared.sample,
      currentSample(prepared, columns.get(name)),
      optionsFor(name, options),
      f.count,
    );
    result.referenceMissingShare = f.count + f.missing === 0 ? 0 : f.missing / (f.count + f.missing);
    features.push(result);
  }
  const judged = rows >= (options.minRows ?? 1);
  if (!judged) for (const f of features) f.drifted = false;
  const report = summariseDrift(features, skipped, options.driftShare ?? 0.5);
  return {
    ...report,
    datasetDrift: judged && report.datasetDrift,
    judged,
    ...(judged
      ? {}
      : { note: `${rows} rows in the window, fewer than the ${options.minRows} needed to judge drift` }),
  };
}

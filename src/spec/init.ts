/**
 * What `mlship init` decides from a target column, and the commented spec it writes. Pure functions: the
 * CLI reads the data and passes the column in, so the rules here are testable without files.
 */
import { MlshipError } from "../core/errors.js";
import type { Column } from "../core/frame.js";
import { fieldDocs } from "./fieldDocs.js";
import type { MetricName, SpecInput } from "./schema.js";

export type Task = SpecInput["task"];
export type SupervisedTask = Exclude<Task, "clustering">;

/** More distinct text values than this is an identifier or free text, not a set of classes. */
export const maxClasses = 50;
/**
 * Whole-number targets are read as class labels only when they have few distinct values, both in
 * absolute terms and relative to the rows: star ratings (1..5) or wine quality (3..9) are labels, while
 * counts, ages and prices in whole units are quantities. scikit-learn's `type_of_target` calls every
 * integer target with more than two values "multiclass", which turns regression on counts into
 * classification with hundreds of classes; these two limits avoid that.
 */
export const maxIntegerClasses = 20;
export const maxIntegerClassShare = 0.05;

export interface TaskInference {
  task: SupervisedTask;
  /** One line for the user, e.g. `2 distinct values ("No", "Yes") -> binary classification`. */
  reason: string;
}

const preview = (values: readonly (string | number)[], max = 5) =>
  values
    .slice(0, max)
    .map((v) => JSON.stringify(v))
    .join(", ") + (values.length > max ? `, … (${values.length} in all)` : "");

interface TargetSummary {
  missing: number;
  /** Distinct non-missing values in sorted order, collected up to `cap` + 1 of them. */
  distinct: (string | number | boolean)[];
  /** Numeric only: whether every value is a whole number, and the range. */
  allInteger: boolean;
  min: number;
  max: number;
}

function summarise(target: Column, cap: number): TargetSummary {
  let missing = 0;
  switch (target.type) {
    case "categorical": {
      const seen = new Uint8Array(target.levels.length);
      for (const code of target.codes) {
        if (code === -1) missing++;
        else seen[code] = 1;
      }
      const distinct = target.levels.filter((_, k) => seen[k] === 1);
      return { missing, distinct, allInteger: false, min: Number.NaN, max: Number.NaN };
    }
    case "boolean": {
      const seen = [false, false];
      for (const v of target.values) {
        if (v === -1) missing++;
        else seen[v] = true;
      }
      const distinct = [false, true].filter((_, k) => seen[k]);
      return { missing, distinct, allInteger: false, min: Number.NaN, max: Number.NaN };
    }
    default: {
      const set = new Set<number>();
      let allInteger = true;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of target.values) {
        if (Number.isNaN(v)) missing++;
        else {
          if (allInteger && !Number.isInteger(v)) allInteger = false;
          if (v < min) min = v;
          if (v > max) max = v;
          if (set.size <= cap) set.add(v);
        }
      }
      return { missing, distinct: [...set].sort((a, b) => a - b), allInteger, min, max };
    }
  }
}

/**
 * The task a target column implies:
 * - 2 distinct values (any type) -> binary;
 * - text with 3..50 distinct values -> multiclass;
 * - numbers with any non-integer value -> regression;
 * - whole numbers with 3..20 distinct values that are also at most 5% of the rows -> multiclass,
 *   otherwise regression.
 * Missing values, a single value, a datetime or more than 50 text values are errors with a fix.
 */
export function inferTask(target: Column, targetName: string): TaskInference {
  const n = target.type === "categorical" ? target.codes.length : target.values.length;
  const where = `target column "${targetName}"`;
  if (target.type === "datetime") {
    throw new MlshipError({
      what: `${where} holds dates; mlship cannot predict a date directly`,
      where,
      fix: "choose another --target, or derive a number from the date (e.g. days until the event) and use that",
      code: "E_INIT_TARGET_TYPE",
    });
  }
  const s = summarise(target, maxClasses);
  if (s.missing > 0) {
    const share = ((100 * s.missing) / n).toFixed(s.missing / n < 0.01 ? 2 : 1);
    throw new MlshipError({
      what: `${where} has ${s.missing} missing value${s.missing === 1 ? "" : "s"} (${share}% of ${n} rows)`,
      where,
      fix: "rows without a known target cannot be learned from: drop them from the data (or fill them at the source), then run init again",
      code: "E_INIT_TARGET_MISSING",
      data: { missing: s.missing, rows: n },
    });
  }
  if (s.distinct.length <= 1) {
    throw new MlshipError({
      what:
        s.distinct.length === 0
          ? `${where} has no rows`
          : `${where} has a single value (${JSON.stringify(s.distinct[0])}) in all ${n} rows`,
      where,
      fix: "choose another --target: a model cannot learn anything from a value that never varies",
      code: s.distinct.length === 0 ? "E_INIT_TARGET_EMPTY" : "E_INIT_TARGET_CONSTANT",
    });
  }
  const values = s.distinct.map((v) => (typeof v === "boolean" ? String(v) : v));
  if (s.distinct.length === 2) {
    return { task: "binary", reason: `2 distinct values (${preview(values)}) -> binary classification` };
  }
  if (target.type === "categorical") {
    if (s.distinct.length > maxClasses) {
      throw new MlshipError({
        what: `${where} has more than ${maxClasses} distinct text values: an identifier or free text, not classes`,
        where,
        fix: "choose another --target, or group the values into at most 50 classes in the data",
        code: "E_INIT_TARGET_TOO_MANY_CLASSES",
      });
    }
    return {
      task: "multiclass",
      reason: `${s.distinct.length} distinct text values (${preview(values)}) -> multiclass classification`,
    };
  }
  if (!s.allInteger) return { task: "regression", reason: "numbers with fractional values -> regression" };
  const k = s.distinct.length;
  const range = `${s.min}..${s.max}`;
  if (k <= maxIntegerClasses && k <= maxIntegerClassShare * n) {
    return {
      task: "multiclass",
      reason: `${k} distinct whole numbers (${range}) in ${n} rows -> multiclass classification (labels, not a quantity)`,
    };
  }
  const many = k > maxIntegerClasses ? `more than ${maxIntegerClasses}` : `${k}`;
  return {
    task: "regression",
    reason: `${many} distinct whole numbers (${range}) in ${n} rows -> regression (a quantity, not labels)`,
  };
}

const positiveWords = ["yes", "y", "true", "t", "1", "positive", "pos"];

/**
 * The class that counts as positive in binary classification. A value that reads as "yes" (Yes, true,
 * 1, ...) names the event itself; otherwise the minority class is taken, because the rare class is
 * almost always the event worth finding (churn, fraud, default) and precision, recall and F1 only say
 * something useful about it. Ties go to the later value in sorted order.
 */
export function choosePositiveClass(target: Column): { value: string | number | boolean; reason: string } {
  if (target.type === "boolean") return { value: true, reason: "true is the event the target records" };
  const counts = new Map<string | number, number>();
  if (target.type === "categorical") {
    const byCode = new Float64Array(target.levels.length);
    for (const c of target.codes) if (c !== -1) byCode[c]++;
    target.levels.forEach((l, k) => {
      if (byCode[k] > 0) counts.set(l, byCode[k]);
    });
  } else {
    for (const v of target.values) if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size !== 2) {
    throw new MlshipError({
      what: `a positive class needs exactly 2 distinct target values, found ${counts.size}`,
      fix: "use task binary only for a target with two values",
      code: "E_INIT_NOT_BINARY",
    });
  }
  const sorted = [...counts.keys()].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)),
  );
  const named = sorted.find((v) => positiveWords.includes(String(v).toLowerCase()));
  if (named !== undefined) return { value: named, reason: `${JSON.stringify(named)} names the event` };
  const [a, b] = sorted;
  const minority = counts.get(a)! < counts.get(b)! ? a : b;
  const share = (100 * counts.get(minority)!) / (counts.get(a)! + counts.get(b)!);
  return {
    value: minority,
    reason: `${JSON.stringify(minority)} is the minority class (${share.toFixed(1)}% of rows), usually the event to find`,
  };
}

export interface MetricChoice {
  primary: MetricName;
  threshold: number;
  secondary: MetricName[];
  reason: string;
}

/**
 * A starting metric and ship threshold per task; the threshold is a placeholder for the business to
 * set, chosen to mean "clearly better than guessing" on that metric's usual scale.
 */
export function defaultMetric(task: Task): MetricChoice {
  switch (task) {
    case "binary":
      return {
        primary: "roc_auc",
        threshold: 0.75,
        secondary: ["average_precision", "f1", "accuracy", "log_loss"],
        reason:
          "ROC AUC needs no cut-off and is robust to class imbalance; 0.5 is guessing, 0.7-0.8 acceptable, so 0.75 is a modest bar",
      };
    case "multiclass":
      return {
        primary: "f1_macro",
        threshold: 0.7,
        secondary: ["accuracy", "balanced_accuracy", "log_loss"],
        reason: "macro F1 weighs every class equally, so a model cannot score well by ignoring a rare class",
      };
    case "regression":
      return {
        primary: "r2",
        threshold: 0.7,
        secondary: ["rmse", "mae"],
        reason:
          "R² is unit-free (share of the target's variance explained, 0 = predicting the mean), so one default fits any target",
      };
    case "clustering":
      return {
        primary: "silhouette",
        threshold: 0.25,
        secondary: ["davies_bouldin"],
        reason: "below a silhouette of 0.25 there is no substantial cluster structure (Kaufman & Rousseeuw)",
      };
  }
}

/** The metrics that make sense for a task, for the comment beside `metric.primary`. */
export function metricsForTask(task: Task): MetricName[] {
  switch (task) {
    case "binary":
      return [
        "roc_auc",
        "average_precision",
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "log_loss",
        "brier",
      ];
    case "multiclass":
      return ["f1_macro", "f1_weighted", "accuracy", "balanced_accuracy", "roc_auc_ovr", "log_loss"];
    case "regression":
      return ["r2", "rmse", "mae", "mse", "mape"];
    case "clustering":
      return ["silhouette", "davies_bouldin"];
  }
}

type ModelInput = { kind: string; params: Record<string, number> };

/**
 * Candidates from simple to flexible: a regularised linear model (fast, a strong baseline on tabular
 * data), a depth-limited tree (readable) and a random forest (non-linear, robust with little tuning).
 */
export function defaultModels(task: Task): ModelInput[] {
  switch (task) {
    case "binary":
    case "multiclass":
      return [
        { kind: "logisticRegression", params: { c: 1, maxIter: 1000 } },
        { kind: "decisionTreeClassifier", params: { maxDepth: 6 } },
        { kind: "randomForestClassifier", params: { nEstimators: 200 } },
      ];
    case "regression":
      return [
        { kind: "ridge", params: { alpha: 1 } },
        { kind: "decisionTreeRegressor", params: { maxDepth: 6 } },
        { kind: "randomForestRegressor", params: { nEstimators: 100 } },
      ];
    case "clustering":
      return [{ kind: "kMeans", params: { nClusters: 3 } }];
  }
}

/** A spec name from a data file name: `data/WA churn.csv` -> `WA_churn`. */
export function specNameFrom(dataPath: string): string {
  const base = dataPath
    .split(/[\\/]/)
    .pop()!
    .replace(/\.[^.]*$/, "");
  const cleaned = base
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 100);
  return cleaned === "" ? "model" : cleaned;
}

/** Where editors find the JSON Schema: the copy installed with the mlship package next to the spec. */
export const defaultSchemaRef = "./node_modules/mlship/schema/mlship.schema.json";

export interface RenderSpecOptions {
  name: string;
  task: Task;
  /** Required unless the task is clustering. */
  target?: string;
  /** Binary only; see `choosePositiveClass`. */
  positiveClass?: string | number | boolean;
  /** The data file, relative to the folder the spec is written to, with "/" separators. */
  dataPath: string;
  /** Omitted parts are written as TODO placeholders for the user to fill in. */
  objective?: { business?: string; kpi?: string };
  /** Default: `defaultMetric(task)`. */
  metric?: { primary: MetricName; threshold: number; secondary?: MetricName[] };
  exclude?: string[];
  key?: string;
  pii?: string[];
  /** Why init chose what it chose; written as comments next to the choice. */
  reasons?: { task?: string; positiveClass?: string };
  /** The JSON Schema reference for the yaml-language-server line. */
  schemaRef?: string;
}

// YAML 1.1 readers (still common in editors and CI tools) take these unquoted words as booleans or null.
const yaml11Words = /^(y|yes|n|no|true|false|on|off|null|~)$/i;

/** A YAML scalar: plain when that is unambiguous, else double-quoted (JSON strings are valid YAML). */
function scalar(v: string | number | boolean): string {
  if (typeof v !== "string") return String(v);
  const plain = /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(v) && !yaml11Words.test(v);
  return plain ? v : JSON.stringify(v);
}

const flowList = (items: readonly (string | number)[]) => `[${items.map(scalar).join(", ")}]`;
const flowMap = (o: Record<string, number>) =>
  `{ ${Object.entries(o)
    .map(([k, v]) => `${k}: ${scalar(v)}`)
    .join(", ")} }`;
const comment = (text: string, indent = "") => `${indent}# ${text}`;

/**
 * A complete, commented `mlship.yaml`: every section says what it means and what it accepts, choices
 * made by init say why, and optional sections are shown commented out. It parses with `parseSpec`.
 */
export function renderSpec(options: RenderSpecOptions): string {
  const { task } = options;
  if (task !== "clustering" && options.target === undefined) {
    throw new MlshipError({
      what: `task "${task}" needs a target column`,
      fix: "pass --target COL",
      code: "E_INIT_NO_TARGET",
    });
  }
  const metric = options.metric ?? defaultMetric(task);
  const metricReason = options.metric === undefined ? defaultMetric(task).reason : undefined;
  const secondary = metric.secondary ?? [];
  const classification = task === "binary" || task === "multiclass";
  const business =
    options.objective?.business ??
    "TODO: the decision this model supports, e.g. target retention offers at customers likely to leave";
  const kpi = options.objective?.kpi ?? "TODO: the business KPI it should move, e.g. monthly churn rate";
  const lines: string[] = [
    `# yaml-language-server: $schema=${options.schemaRef ?? defaultSchemaRef}`,
    "# mlship spec: the business objective, the data, and the rules a model must meet to be shipped.",
    "# Written by `mlship init`; edit freely. `mlship schema` prints every field and what it accepts.",
    "",
    comment(fieldDocs.name),
    `name: ${scalar(options.name)}`,
    "",
    comment(`${fieldDocs.objective} Replace the TODOs.`),
    "objective:",
    comment(fieldDocs["objective.business"], "  "),
    `  business: ${scalar(business)}`,
    comment(fieldDocs["objective.kpi"], "  "),
    `  kpi: ${scalar(kpi)}`,
    "",
    comment(fieldDocs.task),
  ];
  if (options.reasons?.task !== undefined) lines.push(comment(`Inferred: ${options.reasons.task}.`));
  lines.push(`task: ${task}`);
  if (options.target !== undefined) {
    lines.push(comment(fieldDocs.target), `target: ${scalar(options.target)}`);
  }
  if (options.positiveClass !== undefined) {
    lines.push(comment(fieldDocs.positiveClass));
    if (options.reasons?.positiveClass !== undefined) {
      lines.push(comment(`Chosen because ${options.reasons.positiveClass}.`));
    }
    lines.push(`positiveClass: ${scalar(options.positiveClass)}`);
  }
  lines.push(
    "",
    comment(fieldDocs.metric),
    "metric:",
    comment(`${fieldDocs["metric.primary"]} For ${task}: ${metricsForTask(task).join(", ")}.`, "  "),
    `  primary: ${metric.primary}`,
    comment(`${fieldDocs["metric.threshold"]} Set it from the business case.`, "  "),
    ...(metricReason === undefined ? [] : [comment(`Default: ${metricReason}.`, "  ")]),
    `  threshold: ${metric.threshold}`,
    comment(fieldDocs["metric.secondary"], "  "),
    `  secondary: ${flowList(secondary)}`,
    "",
    comment(fieldDocs.data),
    "data:",
    comment(fieldDocs["data.sources"], "  "),
    "  sources:",
    "    - kind: file",
    comment("Relative to this file's folder.", "      "),
    `      path: ${scalar(options.dataPath)}`,
    "",
    comment(fieldDocs.features),
    "features:",
    comment(fieldDocs["features.exclude"], "  "),
    `  exclude: ${flowList(options.exclude ?? [])}`,
    comment(fieldDocs["features.key"], "  "),
    options.key === undefined ? "  # key: customer_id" : `  key: ${scalar(options.key)}`,
    "",
    comment(fieldDocs.pii),
    `pii: ${flowList(options.pii ?? [])} # e.g. [email, phone]; an empty list says this data has none`,
    "",
    comment(fieldDocs.split),
    "split:",
    comment(fieldDocs["split.holdout"], "  "),
    "  holdout: 0.2",
    comment(fieldDocs["split.folds"], "  "),
    "  folds: 5",
    comment(fieldDocs["split.stratify"], "  "),
    `  stratify: ${classification}`,
    comment(fieldDocs["split.seed"], "  "),
    "  seed: 42",
    "",
    comment(fieldDocs.validation),
    "validation:",
    comment(fieldDocs["validation.maxMissingShare"], "  "),
    "  maxMissingShare: 0.5",
    comment(fieldDocs["validation.expectations"], "  "),
    comment("For example:", "  "),
    comment("  - { expect: rowCount, min: 1000 }", "  "),
    comment("  - { expect: range, column: COLUMN, min: 0, max: 100 }", "  "),
    comment("  - { expect: allowedValues, column: COLUMN, values: [a, b, c] }", "  "),
    "  expectations: []",
    "",
    comment(fieldDocs.models),
    "models:",
  );
  for (const m of defaultModels(task)) {
    lines.push(`  - kind: ${m.kind}`, `    params: ${flowMap(m.params)}`);
  }
  lines.push(
    "",
    comment(`${fieldDocs.constraints} Uncomment to enforce.`),
    "# constraints:",
    comment(`  latencyP95Ms: 50        # ${fieldDocs["constraints.latencyP95Ms"]}`),
    comment(`  maxModelBytes: 50000000 # ${fieldDocs["constraints.maxModelBytes"]}`),
    "",
    comment(`${fieldDocs.registry} Uncomment to change.`),
    "# registry:",
    comment(`  model: ${scalar(options.name)} # ${fieldDocs["registry.model"]}`),
    comment(`  promote: never # ${fieldDocs["registry.promote"]}`),
    "",
    comment(`${fieldDocs.monitoring} Every field has a default; uncomment to change.`),
    "# monitoring:",
    comment(`  window: { rows: 1000 } # ${fieldDocs["monitoring.window"]}`),
    comment(`  drift: { share: 0.5 }  # ${fieldDocs["monitoring.drift.share"]}`),
    comment(`  alerts:                # ${fieldDocs["monitoring.alerts"]}`),
    comment("    - { kind: dataDrift }"),
    comment("    - { kind: performanceDrop }"),
    comment("    - { kind: errorRate, above: 0.05 }"),
    comment(`  webhook: { url: https://hooks.example.com/mlship } # ${fieldDocs["monitoring.webhook.url"]}`),
    "",
  );
  return lines.join("\n");
}

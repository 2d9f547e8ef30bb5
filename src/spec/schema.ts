/**
 * The shape of `mlship.yaml`: a business objective turned into a data problem. Defaults live here so
 * that a minimal spec is enough and every later stage reads one fully-resolved object.
 */
import { Cron } from "croner";
import { z } from "zod";
import { didYouMean } from "./suggest.js";

const name = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    "letters, digits, '_', '.', '-' and starting with a letter or digit",
  );

const envVar = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name in UPPER_SNAKE_CASE");

const fileSource = z
  .object({
    kind: z.literal("file"),
    /** Relative paths resolve against the spec file's folder. */
    path: z.string().min(1),
    /** Detected from the extension when omitted. */
    format: z.enum(["csv", "tsv", "parquet", "json", "ndjson"]).optional(),
    /** CSV only. */
    delimiter: z.string().length(1).optional(),
  })
  .strict();

const sqliteSource = z
  .object({
    kind: z.literal("sqlite"),
    path: z.string().min(1),
    table: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => (s.table === undefined) !== (s.query === undefined), {
    message: "give exactly one of 'table' or 'query'",
  });

const postgresSource = z
  .object({
    kind: z.literal("postgres"),
    /** Name of the environment variable holding the connection string: never the string itself. */
    urlEnv: envVar.default("DATABASE_URL"),
    query: z.string().min(1),
  })
  .strict();

const httpSource = z
  .object({
    kind: z.literal("http"),
    url: z.url(),
    format: z.enum(["json", "ndjson"]).default("json"),
    /** Name of the environment variable holding a bearer token. */
    tokenEnv: envVar.optional(),
    /** For JSON bodies that wrap the rows, e.g. "data" or "results.items". */
    recordsPath: z.string().optional(),
    paging: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("next"), nextPath: z.string().default("next") }).strict(),
        z
          .object({
            type: z.literal("page"),
            param: z.string().default("page"),
            start: z.number().int().default(1),
            maxPages: z.number().int().positive().default(1000),
          })
          .strict(),
      ])
      .optional(),
    timeoutMs: z.number().int().positive().default(30_000),
    retries: z.number().int().min(0).max(10).default(3),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion("kind", [
  fileSource,
  sqliteSource,
  postgresSource,
  httpSource,
]);

const dataSchema = z
  .object({
    sources: z.array(sourceSchema).min(1),
    /** How several sources combine: stacked rows, or joined on a key column. */
    combine: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("concat") }).strict(),
        z
          .object({
            type: z.literal("join"),
            on: z.string().min(1),
            how: z.enum(["inner", "left"]).default("inner"),
          })
          .strict(),
      ])
      .default({ type: "concat" }),
  })
  .strict();

export const expectationSchema = z.discriminatedUnion("expect", [
  z.object({ expect: z.literal("columnExists"), column: z.string() }).strict(),
  z
    .object({
      expect: z.literal("type"),
      column: z.string(),
      type: z.enum(["numeric", "categorical", "boolean", "datetime"]),
    })
    .strict(),
  z
    .object({
      expect: z.literal("range"),
      column: z.string(),
      min: z.number().optional(),
      max: z.number().optional(),
    })
    .strict(),
  z
    .object({
      expect: z.literal("allowedValues"),
      column: z.string(),
      values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    })
    .strict(),
  z
    .object({ expect: z.literal("maxMissingShare"), column: z.string(), share: z.number().min(0).max(1) })
    .strict(),
  z.object({ expect: z.literal("unique"), column: z.string() }).strict(),
  z.object({ expect: z.literal("pattern"), column: z.string(), regex: z.string() }).strict(),
  z
    .object({
      expect: z.literal("rowCount"),
      min: z.number().int().min(0).optional(),
      max: z.number().int().optional(),
    })
    .strict(),
]);

export const metricNames = [
  "accuracy",
  "balanced_accuracy",
  "precision",
  "recall",
  "f1",
  "f1_macro",
  "f1_weighted",
  "roc_auc",
  "roc_auc_ovr",
  "average_precision",
  "log_loss",
  "brier",
  "mae",
  "mse",
  "rmse",
  "r2",
  "mape",
  "silhouette",
  "davies_bouldin",
] as const;
export type MetricName = (typeof metricNames)[number];

const classificationMetrics: readonly MetricName[] = [
  "accuracy",
  "balanced_accuracy",
  "precision",
  "recall",
  "f1",
  "f1_macro",
  "f1_weighted",
  "roc_auc",
  "roc_auc_ovr",
  "average_precision",
  "log_loss",
];

/** The metrics that can score a task (brier is defined for two classes only, as in scikit-learn). */
export function metricsAllowed(
  task: "binary" | "multiclass" | "regression" | "clustering",
): readonly MetricName[] {
  switch (task) {
    case "binary":
      return [...classificationMetrics, "brier"];
    case "multiclass":
      return classificationMetrics;
    case "regression":
      return ["mae", "mse", "rmse", "r2", "mape"];
    case "clustering":
      return ["silhouette", "davies_bouldin"];
  }
}

/** Metrics where lower is better; the spec's `direction` defaults from this. */
export const lowerIsBetter: ReadonlySet<MetricName> = new Set([
  "log_loss",
  "brier",
  "mae",
  "mse",
  "rmse",
  "mape",
  "davies_bouldin",
]);

/** The drift tests monitoring can use per feature (src/monitor/drift.ts implements each). */
export const driftTestNames = [
  "ks",
  "chisquare",
  "wasserstein",
  "jensenshannon",
  "psi",
  "kl",
  "hellinger",
  "energy",
] as const;
export type DriftTestName = (typeof driftTestNames)[number];

/** Seconds as a number, or a duration with its unit: "500ms", "90s", "15m", "1h", "7d". */
const duration = z.union([
  z.number().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration such as 600, "500ms", "30s", "15m", "1h" or "7d"'),
]);

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds of a duration the spec schema accepted (600 -> 600000, "15m" -> 900000). */
export function durationMs(value: number | string): number {
  if (typeof value === "number") return value * 1000;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * durationUnits[m[2]];
}

/** Seconds of a duration the spec schema accepted. */
export function durationSeconds(value: number | string): number {
  return durationMs(value) / 1000;
}

/** The latest `rows` predictions, or those of the last `duration`. */
const windowSchema = z
  .object({
    rows: z.number().int().min(1).max(10_000_000).optional(),
    duration: duration.optional(),
  })
  .strict()
  .refine((w) => (w.rows === undefined) !== (w.duration === undefined), {
    message: "give exactly one of 'rows' (the latest N predictions) or 'duration' (e.g. 1h)",
  });

const driftOverride = z
  .object({
    test: z.enum(driftTestNames).optional(),
    /** p-value tests drift below it, distances at or above it. */
    threshold: z.number().min(0).optional(),
  })
  .strict();

const alertCommon = {
  /** Names the rule in events; default its kind. */
  name: z.string().min(1).max(100).optional(),
  severity: z.enum(["info", "warning", "critical"]).default("warning"),
  /** While a rule keeps firing, it is reported again at most this often. */
  repeat: duration.default("1h"),
};

export const alertSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("dataDrift"),
      ...alertCommon,
      /** Overrides monitoring.drift.share for this rule. */
      share: z.number().gt(0).max(1).optional(),
    })
    .strict(),
  z
    .object({ kind: z.literal("featureDrift"), ...alertCommon, features: z.array(z.string()).min(1) })
    .strict(),
  z.object({ kind: z.literal("predictionDrift"), ...alertCommon }).strict(),
  z
    .object({
      kind: z.literal("performanceDrop"),
      ...alertCommon,
      /** Default: the spec's primary metric. */
      metric: z.enum(metricNames).optional(),
      /** The drop must also be at least this large (in the metric's units), besides significant. */
      minDrop: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal("errorRate"),
      ...alertCommon,
      /** Fires when the share of failed requests exceeds it. */
      above: z.number().min(0).max(1).default(0.05),
      /** Count 4xx answers (invalid input) as errors too, not only 5xx. */
      clientErrors: z.boolean().default(false),
      window: duration.default("15m"),
      minRequests: z.number().int().min(1).default(20),
    })
    .strict(),
  z
    .object({
      kind: z.literal("latency"),
      ...alertCommon,
      percentile: z.union([z.literal(50), z.literal(90), z.literal(95), z.literal(99)]).default(95),
      aboveMs: z.number().positive(),
      window: duration.default("15m"),
      minRequests: z.number().int().min(1).default(20),
    })
    .strict(),
]);

export const monitoringSchema = z
  .object({
    reference: z
      .object({
        /** Rows kept as the reference sample (seeded with split.seed). */
        sampleRows: z.number().int().min(100).max(1_000_000).default(10_000),
        /** Histogram bins per numeric feature. */
        bins: z.number().int().min(2).max(200).default(20),
      })
      .strict()
      .default({ sampleRows: 10_000, bins: 20 }),
    window: windowSchema.default({ rows: 1000 }),
    /** How many windows back the report and its charts go. */
    history: z.number().int().min(1).max(100).default(12),
    drift: z
      .object({
        /** One test for every feature instead of the defaults chosen by type and size. */
        test: z.enum(driftTestNames).optional(),
        threshold: z.number().min(0).optional(),
        /** The dataset drifts when this share of features drifts. */
        share: z.number().gt(0).max(1).default(0.5),
        /** Windows with fewer rows are reported but never judged drifted. */
        minRows: z.number().int().min(1).default(100),
        features: z.record(z.string(), driftOverride).default({}),
        prediction: driftOverride.default({}),
      })
      .strict()
      .default({ share: 0.5, minRows: 100, features: {}, prediction: {} }),
    performance: z
      .object({
        /** Default: the drift window, counting labelled predictions. */
        window: windowSchema.optional(),
        confidence: z.number().gt(0).lt(1).default(0.95),
        /** Significance of the test that performance fell below the holdout's. */
        alpha: z.number().gt(0).lt(1).default(0.05),
        minLabels: z.number().int().min(1).default(100),
        bootstrap: z.number().int().min(100).max(100_000).default(1000),
      })
      .strict()
      .default({ confidence: 0.95, alpha: 0.05, minLabels: 100, bootstrap: 1000 }),
    /** Omitted: dataDrift, predictionDrift, performanceDrop, errorRate and (with constraints.latencyP95Ms) latency. */
    alerts: z.array(alertSchema).optional(),
    webhook: z
      .object({
        url: z.url(),
        timeoutMs: z.number().int().positive().max(600_000).default(5000),
        retries: z.number().int().min(0).max(10).default(3),
        /** First retry after this long, doubling each time. */
        backoffMs: z.number().int().min(0).max(600_000).default(1000),
        /** Name of an environment variable whose value is sent as `Authorization: Bearer <value>`. */
        tokenEnv: envVar.optional(),
      })
      .strict()
      .optional(),
    /** How often the server checks its models. */
    every: duration.default("1m"),
  })
  .strict();

/** A cron pattern croner accepts (5 fields, or 6 with seconds), in `timezone`; why not, when it does not. */
export function cronProblem(pattern: string, timezone?: string): string | null {
  try {
    new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) }).nextRun();
    return null;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return text.replace(/^Cron(Pattern|Date): /, "").replace(/\. Original error:.*$/s, "");
  }
}

const retrainingSchema = z
  .object({
    /** What starts a retraining; any one trigger that fires is enough. */
    on: z
      .object({
        /** true: the monitoring's dataset drift (drift.share); or a share of its own, or named features. */
        drift: z
          .union([
            z.boolean(),
            z
              .object({
                share: z.number().gt(0).max(1).optional(),
                features: z.array(z.string().min(1)).min(1).optional(),
              })
              .strict(),
          ])
          .optional(),
        /** true: the primary metric significantly below the holdout (concept drift); minDrop: and by this much. */
        performanceDrop: z
          .union([z.boolean(), z.object({ minDrop: z.number().min(0).default(0) }).strict()])
          .optional(),
        /** A cron pattern (croner: "0 3 * * 1" is Mondays at 03:00), in `timezone`. */
        schedule: z.string().min(1).optional(),
        /** After this many predictions were labelled since the last retraining. */
        newLabels: z.number().int().min(1).optional(),
      })
      .strict(),
    /** The schedule's time zone (IANA name); default UTC. */
    timezone: z.string().min(1).default("UTC"),
    /** How often `mlship watch` looks; default monitoring.every. */
    every: duration.optional(),
    /** No retraining starts sooner than this after the last one began. */
    cooldown: duration.default("1h"),
    data: z
      .object({
        /** Train on the spec's data sources, as `mlship train` does. */
        sources: z.boolean().default(true),
        /** Add the labelled prediction-log rows older than the evaluation window. */
        log: z.boolean().default(true),
        /** At most this many (the latest) labelled log rows are added. */
        maxLogRows: z.number().int().min(1).max(10_000_000).default(100_000),
      })
      .strict()
      .default({ sources: true, log: true, maxLogRows: 100_000 }),
    /** Champion and challenger are both scored on the latest labelled predictions, kept out of training. */
    evaluation: z
      .object({
        rows: z.number().int().min(1).max(1_000_000).default(500),
        /** Fewer labelled rows than this: no comparison, no promotion. */
        minRows: z.number().int().min(1).default(200),
      })
      .strict()
      .default({ rows: 500, minRows: 200 }),
    promotion: z
      .object({
        /** The challenger must beat the champion by at least this much, in the primary metric's units. */
        margin: z.number().min(0).default(0.01),
        /** And the one-sided paired test must find it better at this significance. */
        alpha: z.number().gt(0).lt(1).default(0.05),
      })
      .strict()
      .default({ margin: 0.01, alpha: 0.05 }),
    /** After a promotion: watch the new champion against the old on the rows labelled meanwhile. */
    guard: z
      .object({
        /** The guard ends this long after the promotion, judged on what arrived by then. */
        period: duration.default("24h"),
        /** Or as soon as this many labelled rows were served by the new champion. */
        rows: z.number().int().min(1).default(500),
        /** Fewer labelled rows than this when the period ends: not judged, the new champion stays. */
        minRows: z.number().int().min(1).default(100),
        /** Roll back when the old champion is better at this significance (one-sided paired test). */
        alpha: z.number().gt(0).lt(1).default(0.05),
        /** false: report a worse new champion but leave it in place. */
        rollback: z.boolean().default(true),
      })
      .strict()
      .default({ period: "24h", rows: 500, minRows: 100, alpha: 0.05, rollback: true }),
  })
  .strict()
  .superRefine((r, ctx) => {
    const on = r.on;
    if (
      on.drift === undefined &&
      on.performanceDrop === undefined &&
      on.schedule === undefined &&
      on.newLabels === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["on"],
        message: "no trigger: give at least one of drift, performanceDrop, schedule or newLabels",
      });
    }
    if (typeof on.drift === "object" && on.drift.share !== undefined && on.drift.features !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["on", "drift"],
        message: "give either share (of all features) or features (any of these), not both",
      });
    }
    if (on.schedule !== undefined) {
      const problem = cronProblem(on.schedule, r.timezone);
      if (problem !== null && cronProblem(on.schedule) !== null)
        ctx.addIssue({
          code: "custom",
          path: ["on", "schedule"],
          message: `not a cron pattern: ${problem} (e.g. "0 3 * * 1" is Mondays at 03:00)`,
        });
    }
    if (cronProblem("* * * * *", r.timezone) !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["timezone"],
        message: `"${r.timezone}" is not a time zone; use an IANA name such as "UTC" or "Europe/Paris"`,
      });
    }
    if (r.evaluation.minRows > r.evaluation.rows) {
      ctx.addIssue({
        code: "custom",
        path: ["evaluation", "minRows"],
        message: `minRows ${r.evaluation.minRows} is more than the window's ${r.evaluation.rows} rows; lower it or raise rows`,
      });
    }
    if (r.guard.minRows > r.guard.rows) {
      ctx.addIssue({
        code: "custom",
        path: ["guard", "minRows"],
        message: `minRows ${r.guard.minRows} is more than the guard's ${r.guard.rows} rows; lower it or raise rows`,
      });
    }
    if (!r.data.sources && !r.data.log) {
      ctx.addIssue({
        code: "custom",
        path: ["data"],
        message: "sources and log are both false: a retraining would have no data; keep at least one",
      });
    }
  });

/** A value a `choice` space may list, and a `when` condition may test. */
const choiceValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/**
 * `when: { param: value }` (or a list of values): the parameter is searched only in trials where that
 * other parameter of the same space (a `choice`) took one of those values; otherwise the model's own
 * default (or the entry's fixed param) applies.
 */
const condition = z.record(z.string(), z.union([choiceValue, z.array(choiceValue).min(1)]));

/** A hyperparameter search space, used by the tuner; a plain value in `params` fixes the parameter. */
const paramSpace = z.union([
  z
    .object({
      int: z.tuple([z.number().int(), z.number().int()]),
      log: z.boolean().default(false),
      step: z.number().int().positive().optional(),
      when: condition.optional(),
    })
    .strict(),
  z
    .object({
      float: z.tuple([z.number(), z.number()]),
      log: z.boolean().default(false),
      step: z.number().positive().optional(),
      when: condition.optional(),
    })
    .strict(),
  z.object({ choice: z.array(choiceValue).min(1), when: condition.optional() }).strict(),
]);
export type ParamSpace = z.output<typeof paramSpace>;
const paramValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string(), z.number()])),
]);

const modelSchema = z
  .object({
    /** Estimator kind in camelCase, e.g. "logisticRegression", "randomForestClassifier". */
    kind: z.string().min(1),
    /** A label for reports; defaults to the kind. */
    name: z.string().optional(),
    params: z.record(z.string(), paramValue).default({}),
    space: z.record(z.string(), paramSpace).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.space !== undefined) checkSpace(m.space, m.params, ctx);
  });

const rangeKind = (s: ParamSpace) => ("int" in s ? "int" : "float" in s ? "float" : "choice");
const same = (a: unknown, b: unknown) => a === b;
const show = (v: unknown) => JSON.stringify(v);

/**
 * What a space can get wrong on its own, before any model is consulted: empty or single-value ranges, a
 * log scale over non-positive numbers, steps that do not divide the range, repeated choices, and `when`
 * conditions on parameters that are not choices of the same space (or that loop back on themselves).
 * Whether the model has these parameters is checked by the tuner, which knows the models.
 */
function checkSpace(
  space: Record<string, ParamSpace>,
  params: Record<string, unknown>,
  ctx: z.core.$RefinementCtx,
): void {
  const issue = (path: PropertyKey[], message: string) =>
    ctx.addIssue({ code: "custom", path: ["space", ...path], message });
  for (const [name, s] of Object.entries(space)) {
    if (name in params) {
      issue([name], `"${name}" is both fixed in params and searched in space; keep it in one of the two`);
    }
    if ("int" in s || "float" in s) {
      const kind = "int" in s ? "int" : "float";
      const [low, high] = "int" in s ? s.int : s.float;
      const range = `[${low}, ${high}]`;
      if (low > high) {
        issue(
          [name, kind],
          `the range ${range} is empty (low above high); write [low, high] with low < high`,
        );
      } else if (low === high) {
        issue(
          [name, kind],
          `the range ${range} holds a single value; fix "${name}" in params instead, or widen the range`,
        );
      } else if (s.log && low <= 0) {
        issue(
          [name, kind],
          `a log scale needs bounds > 0, got ${range}; raise the low bound (e.g. ${kind === "int" ? 1 : 1e-4}) or drop log`,
        );
      } else if (s.step !== undefined) {
        const steps = (high - low) / s.step;
        if (s.log) {
          issue(
            [name, "step"],
            "step and log cannot be combined (a log scale has no fixed step); remove one",
          );
        } else if (Math.abs(steps - Math.round(steps)) > 1e-9 * Math.max(1, steps)) {
          const lower = low + Math.floor(steps) * s.step;
          issue(
            [name, "step"],
            `the range ${range} is not a whole number of steps of ${s.step}; use a high bound of ${Number(lower.toPrecision(12))} or ${Number((lower + s.step).toPrecision(12))}`,
          );
        }
      }
    } else {
      const seen: unknown[] = [];
      s.choice.forEach((v, i) => {
        if (seen.some((w) => same(v, w)))
          issue([name, "choice", i], `${show(v)} is listed twice; list each value once`);
        seen.push(v);
      });
      if (s.choice.length === 1) {
        issue(
          [name, "choice"],
          `a choice of one value fixes the parameter; put "${name}: ${show(s.choice[0])}" in params instead`,
        );
      }
    }
    for (const [parent, wanted] of Object.entries(s.when ?? {})) {
      const at = [name, "when", parent];
      const other = space[parent];
      if (parent === name) issue(at, `"${name}" cannot depend on itself`);
      else if (other === undefined) {
        const choices = Object.keys(space).filter((k) => k !== name && "choice" in space[k]);
        const guess = didYouMean(parent, choices);
        issue(
          at,
          parent in params
            ? `"${parent}" is fixed in params, so this condition never changes; search "${parent}" with a choice, or drop the condition`
            : `"${parent}" is not a parameter of this space; ${guess ? `did you mean "${guess}"? ` : ""}conditions test a choice of the same space${choices.length > 0 ? ` (${choices.join(", ")})` : ""}`,
        );
      } else if (!("choice" in other)) {
        issue(
          at,
          `a condition can only test a choice parameter, and "${parent}" is ${rangeKind(other)} range`,
        );
      } else {
        for (const v of [wanted].flat()) {
          if (!other.choice.some((c) => same(c, v))) {
            issue(
              at,
              `${show(v)} is not one of "${parent}"'s choices (${other.choice.map(show).join(", ")})`,
            );
          }
        }
      }
    }
  }
  // A condition chain that loops back (a needs b, b needs a) can never be decided.
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, chain: string[]): void => {
    if (state.get(name) === "done" || space[name] === undefined) return;
    if (state.get(name) === "visiting") {
      issue(
        [name, "when"],
        `the conditions loop back on themselves (${[...chain, name].join(" -> ")}); break the loop`,
      );
      return;
    }
    state.set(name, "visiting");
    for (const parent of Object.keys(space[name].when ?? {}))
      if (parent !== name) visit(parent, [...chain, name]);
    state.set(name, "done");
  };
  for (const name of Object.keys(space)) visit(name, []);
}

const medianPruner = z
  .object({
    kind: z.literal("median"),
    /** Completed trials before any pruning (Optuna's n_startup_trials). */
    startupTrials: z.number().int().min(0).default(5),
    /** Folds a trial always runs before it can be pruned (n_warmup_steps). */
    warmupSteps: z.number().int().min(0).default(0),
    /** Folds between pruning checks (interval_steps). */
    intervalSteps: z.number().int().min(1).default(1),
    /** Completed trials with a score at a fold needed to judge that fold (n_min_trials). */
    minTrials: z.number().int().min(1).default(1),
  })
  .strict();

export const tpeDefaults = { startupTrials: 10, eiCandidates: 24, multivariate: false } as const;

const tuneSchema = z
  .object({
    /** tpe: the tree-structured Parzen estimator (Optuna's default); random; grid: every combination. */
    sampler: z.enum(["tpe", "random", "grid"]).default("tpe"),
    /** Trials to run; default 50, or every grid point for the grid sampler. */
    trials: z.number().int().min(1).max(100_000).optional(),
    /** Wall-clock budget: no trial starts after it (the running one finishes). */
    timeout: duration.optional(),
    /** Seed of the sampler; default: split.seed. */
    seed: z.number().int().min(0).optional(),
    /** "median" (Optuna's MedianPruner over the per-fold scores), "none", or the median pruner's settings. */
    pruner: z.union([z.enum(["median", "none"]), medianPruner]).default("median"),
    tpe: z
      .object({
        /** Random trials before TPE takes over (n_startup_trials). */
        startupTrials: z.number().int().min(0).default(tpeDefaults.startupTrials),
        /** Candidates drawn from the good trials' density per suggestion (n_ei_candidates). */
        eiCandidates: z.number().int().min(1).max(10_000).default(tpeDefaults.eiCandidates),
        /** Sample the parameters every trial has jointly (Optuna's multivariate TPE). */
        multivariate: z.boolean().default(tpeDefaults.multivariate),
      })
      .strict()
      .default({ ...tpeDefaults }),
  })
  .strict();

const stepSchema = z
  .object({
    kind: z.string().min(1),
    params: z.record(z.string(), paramValue).default({}),
    /** Columns by name, or by type with "numeric" / "categorical". Omitted: all columns the step accepts. */
    columns: z
      .union([z.array(z.string()).min(1), z.enum(["numeric", "categorical", "boolean", "datetime"])])
      .optional(),
  })
  .strict();

export const specSchema = z
  .object({
    name,
    objective: z
      .object({
        /** Why this model exists, in business words; shown in every report. */
        business: z.string().min(1),
        /** The KPI the model moves. */
        kpi: z.string().min(1),
      })
      .strict(),
    task: z.enum(["binary", "multiclass", "regression", "clustering"]),
    /** Required for every task but clustering. */
    target: z.string().min(1).optional(),
    /** For binary classification: the class that counts as positive (e.g. "Yes"). */
    positiveClass: z.union([z.string(), z.number(), z.boolean()]).optional(),
    metric: z
      .object({
        primary: z.enum(metricNames),
        /** The holdout score that makes a model worth shipping. */
        threshold: z.number(),
        /** Defaults from the metric: "minimize" for errors and losses, else "maximize". */
        direction: z.enum(["maximize", "minimize"]).optional(),
        secondary: z.array(z.enum(metricNames)).default([]),
      })
      .strict(),
    data: dataSchema,
    features: z
      .object({
        include: z.array(z.string()).optional(),
        exclude: z.array(z.string()).default([]),
        /** A unique row key; kept out of the features and checked for duplicates. */
        key: z.string().optional(),
      })
      .strict()
      .default({ exclude: [] }),
    /** Columns holding personal data: never logged in clear, excluded from features unless included. */
    pii: z.array(z.string()).default([]),
    split: z
      .object({
        holdout: z.number().gt(0).lt(1).default(0.2),
        folds: z.number().int().min(2).max(50).default(5),
        stratify: z.boolean().default(true),
        seed: z.number().int().min(0).default(42),
      })
      .strict()
      .default({ holdout: 0.2, folds: 5, stratify: true, seed: 42 }),
    validation: z
      .object({
        /** Default cap on the missing share of any column. */
        maxMissingShare: z.number().min(0).max(1).default(0.5),
        expectations: z.array(expectationSchema).default([]),
      })
      .strict()
      .default({ maxMissingShare: 0.5, expectations: [] }),
    /** Explicit preparation steps; omitted, a default pipeline is chosen from the schema. */
    prep: z.array(stepSchema).optional(),
    models: z.array(modelSchema).default([]),
    /** How models with a `space` are tuned, by `mlship tune` and by `mlship train`. */
    tune: tuneSchema.default({ sampler: "tpe", pruner: "median", tpe: { ...tpeDefaults } }),
    constraints: z
      .object({
        latencyP95Ms: z.number().positive().optional(),
        maxModelBytes: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    registry: z
      .object({
        /** The registered model `mlship train` adds versions to; defaults to the spec's name. */
        model: name.optional(),
        /** "ifBetter": make the new version champion when it qualifies and beats the current one. */
        promote: z.enum(["never", "ifBetter"]).default("never"),
      })
      .strict()
      .default({ promote: "never" }),
    /** Drift, performance and alerts in production; every field has a default. */
    monitoring: monitoringSchema.default(() => monitoringSchema.parse({})),
    /** Automatic retraining (`mlship watch`): triggers, data, champion/challenger and the guard period. */
    retraining: retrainingSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.task !== "clustering" && s.target === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["target"],
        message: `a target column is required for task "${s.task}"`,
      });
    }
    const allowed = metricsAllowed(s.task);
    const check = (metric: MetricName, path: PropertyKey[]) => {
      if (!allowed.includes(metric)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `"${metric}" does not measure a ${s.task} task; use one of: ${allowed.join(", ")}`,
        });
      }
    };
    check(s.metric.primary, ["metric", "primary"]);
    s.metric.secondary.forEach((m, i) => {
      check(m, ["metric", "secondary", i]);
    });
    const names = new Set<string>();
    (s.monitoring.alerts ?? []).forEach((a, i) => {
      if (a.kind === "performanceDrop" && a.metric !== undefined)
        check(a.metric, ["monitoring", "alerts", i, "metric"]);
      const ruleName = a.name ?? a.kind;
      if (names.has(ruleName)) {
        ctx.addIssue({
          code: "custom",
          path: ["monitoring", "alerts", i, "name"],
          message: `two alert rules are named "${ruleName}"; give each rule of the same kind its own name`,
        });
      }
      names.add(ruleName);
    });
    if (s.retraining !== undefined && s.task === "clustering") {
      ctx.addIssue({
        code: "custom",
        path: ["retraining"],
        message: "clustering has no labels to judge a challenger by; retraining applies to other tasks",
      });
    }
    if (s.positiveClass !== undefined && s.task !== "binary") {
      ctx.addIssue({
        code: "custom",
        path: ["positiveClass"],
        message: `positiveClass only applies to task "binary", not "${s.task}"; remove it`,
      });
    }
  });

export type Spec = z.output<typeof specSchema>;
export type SpecInput = z.input<typeof specSchema>;
export type Source = z.output<typeof sourceSchema>;
export type Expectation = z.output<typeof expectationSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type StepSpec = z.output<typeof stepSchema>;
export type TuneSpec = z.output<typeof tuneSchema>;
export type MonitoringSpec = z.output<typeof monitoringSchema>;
export type AlertSpec = z.output<typeof alertSchema>;
export type WindowSpec = z.output<typeof windowSchema>;
export type RetrainingSpec = z.output<typeof retrainingSchema>;

export function metricDirection(spec: Pick<Spec, "metric">): "maximize" | "minimize" {
  return spec.metric.direction ?? (lowerIsBetter.has(spec.metric.primary) ? "minimize" : "maximize");
}

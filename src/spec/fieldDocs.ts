/**
 * One-line explanations of the spec's fields, shared by the exported JSON Schema (editor hover text) and
 * the comments `mlship init` writes, so both always say the same thing.
 */
export const fieldDocs = {
  name: "A short name for this model: letters, digits, '_', '.', '-'; used for run and artifact names.",
  objective: "The business objective, in business words; shown on every report.",
  "objective.business": "Why this model exists: the decision it supports and for whom.",
  "objective.kpi": "The business KPI the model should move, e.g. monthly churn rate.",
  task: "What to learn: binary | multiclass | regression | clustering.",
  target: "The column to predict; required for every task but clustering.",
  positiveClass: 'Binary only: the target value that counts as positive (the event to find), e.g. "Yes".',
  metric: "How models are compared on the holdout, and the score that makes one worth shipping.",
  "metric.primary": "The metric that picks the best model.",
  "metric.threshold": "The holdout score of the primary metric a model must reach to be shipped.",
  "metric.direction": "maximize | minimize; defaults from the metric (errors and losses are minimized).",
  "metric.secondary": "More metrics to report; they do not pick the winner.",
  data: "Where the rows come from.",
  "data.sources":
    "One or more sources, each with a kind: file (csv, tsv, parquet, json, ndjson) | sqlite | postgres | http.",
  "data.combine": "How several sources combine: concat (stack rows) | join (on a key column).",
  features: "Which columns the models may use.",
  "features.include":
    "Only these columns (default: every column but the target, key, pii and excluded ones).",
  "features.exclude":
    "Columns never used as features, e.g. identifiers or values known only after the outcome.",
  "features.key": "A unique row identifier: kept out of the features and checked for duplicates.",
  pii: "Columns with personal data (names, emails, phone numbers): masked in logs, never used as features.",
  split:
    "How rows are held out: a final holdout for the ship decision, cross-validation folds for model choice.",
  "split.holdout": "Share of rows kept aside for the final score, between 0 and 1 (exclusive).",
  "split.folds": "Cross-validation folds on the remaining rows, 2 to 50.",
  "split.stratify": "Keep class proportions equal across splits (classification).",
  "split.seed": "Seed for shuffling, so every run splits the same way.",
  validation: "Checks the data must pass before any model is trained.",
  "validation.maxMissingShare": "Largest share of missing values allowed in any column, 0 to 1.",
  "validation.expectations":
    "Checks, each with an expect: columnExists | type | range | allowedValues | maxMissingShare | unique | pattern | rowCount.",
  prep: "Explicit preparation steps; leave out to get a default pipeline chosen from the data's columns.",
  models:
    "Candidate models, each with a kind (camelCase, e.g. logisticRegression), optional params and an optional space of params to tune (int, float, choice; `when` for params that matter only for some choice).",
  tune: "How models with a space are tuned, by `mlship tune` and `mlship train`: sampler, budget, pruner.",
  "tune.sampler":
    "tpe (tree-structured Parzen estimator, Optuna's default) | random | grid (every combination).",
  "tune.trials": "Trials to run; default 50, or every combination for the grid sampler.",
  "tune.timeout": 'Wall-clock budget, in seconds or as "90s", "10m", "2h": no trial starts after it.',
  "tune.seed": "Seed of the sampler: the same seed gives the same trials; default: split.seed.",
  "tune.pruner":
    "median (stop a trial whose running CV score falls below the median of finished trials at the same fold) | none.",
  "tune.tpe": "TPE settings, defaults as in Optuna.",
  "tune.tpe.startupTrials": "Random trials before TPE takes over (Optuna's n_startup_trials).",
  "tune.tpe.eiCandidates":
    "Candidates drawn per suggestion to maximise expected improvement (n_ei_candidates).",
  "tune.tpe.multivariate": "Sample the parameters every trial has jointly (multivariate TPE).",
  constraints: "Production limits a model must meet to be shipped.",
  "constraints.latencyP95Ms": "95th percentile latency of one prediction, in milliseconds.",
  "constraints.maxModelBytes": "Largest size of the saved model, in bytes.",
  registry: "What `mlship train` does with its best model in the store's model registry.",
  "registry.model": "The registered model that gets each new version; default: the spec's name.",
  "registry.promote":
    "never | ifBetter: make the new version champion when it meets the threshold and constraints and beats the current champion on the holdout.",
  monitoring:
    "Production monitoring: the reference profile kept at training, drift and performance windows, alerts and their webhook.",
  "monitoring.reference":
    "What `mlship train` keeps of the training data for comparison: statistics of every feature and a sample.",
  "monitoring.reference.sampleRows": "Rows kept as the reference sample (drawn with split.seed).",
  "monitoring.reference.bins": "Histogram bins per numeric feature, for the report's charts.",
  "monitoring.window":
    "The window compared with the reference: { rows: N } (the latest N predictions) or { duration: 1h }.",
  "monitoring.history": "How many windows back the report and its charts go.",
  "monitoring.drift":
    "Per-feature drift tests: by default KS / chi-square up to 1,000 reference values, normed Wasserstein / Jensen-Shannon above.",
  "monitoring.drift.test":
    "One test for every feature: ks | chisquare | wasserstein | jensenshannon | psi | kl | hellinger | energy.",
  "monitoring.drift.threshold":
    "One threshold for every feature: p-value tests drift below it, distances at or above it.",
  "monitoring.drift.share":
    "The dataset drifts when at least this share of its features drift (default 0.5).",
  "monitoring.drift.minRows": "Windows with fewer predictions are reported but never judged drifted.",
  "monitoring.drift.features":
    "Per feature: its own test and threshold, e.g. { tenure: { test: psi, threshold: 0.2 } }.",
  "monitoring.drift.prediction": "The test and threshold for the model's predictions (prediction drift).",
  "monitoring.performance":
    "Performance on labelled predictions, with confidence intervals, tested against the holdout.",
  "monitoring.performance.window":
    "The labelled window: { rows: N } (the latest N labelled predictions) or { duration: 7d }; default the drift window.",
  "monitoring.performance.confidence": "Confidence level of the intervals, e.g. 0.95.",
  "monitoring.performance.alpha":
    "Significance level of the one-sided test that live performance fell below the holdout's (concept drift).",
  "monitoring.performance.minLabels": "Labelled predictions a window needs before its performance is judged.",
  "monitoring.performance.bootstrap":
    "Bootstrap resamples for metrics without a closed-form interval (seeded with split.seed).",
  "monitoring.alerts":
    "Rules, each with a kind: dataDrift | featureDrift | predictionDrift | performanceDrop | errorRate | latency.",
  "monitoring.webhook": "Where alert events are POSTed as JSON, with timeouts and retries.",
  "monitoring.webhook.url": "The URL receiving each event as a JSON POST.",
  "monitoring.webhook.timeoutMs": "How long one delivery attempt may take, in milliseconds.",
  "monitoring.webhook.retries": "Further attempts after a failed one (network error, timeout, 429 or 5xx).",
  "monitoring.webhook.backoffMs": "Wait before the first retry, doubled for each next one, in milliseconds.",
  "monitoring.webhook.tokenEnv":
    "Environment variable holding a token sent as `Authorization: Bearer <token>`.",
  "monitoring.every": "How often the server checks its models, e.g. 1m.",
} as const;

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
  retraining:
    "Automatic retraining by `mlship watch`: what triggers it, the data a challenger trains on, how it is compared with the champion, and the guard period after a promotion.",
  "retraining.on":
    "Triggers; any one that fires starts a retraining: drift | performanceDrop | schedule | newLabels.",
  "retraining.on.drift":
    "true: dataset drift as monitoring.drift.share defines it; {share: 0.2}: that share of features drifted; {features: [a, b]}: any of these drifted.",
  "retraining.on.performanceDrop":
    "true: the primary metric on labelled predictions is significantly below the holdout's (concept drift); {minDrop: 0.02}: and by at least that much.",
  "retraining.on.schedule":
    'A cron pattern (5 fields, or 6 with seconds), e.g. "0 3 * * 1" for Mondays at 03:00.',
  "retraining.on.newLabels": "Retrain after this many predictions were labelled since the last retraining.",
  "retraining.timezone": 'The schedule\'s time zone, an IANA name such as "Europe/Paris"; default UTC.',
  "retraining.every": "How often `mlship watch` checks the triggers; default monitoring.every.",
  "retraining.cooldown": "No retraining starts sooner than this after the previous one, e.g. 6h.",
  "retraining.data": "What a challenger trains on: the spec's sources and labelled prediction-log rows.",
  "retraining.data.sources": "Include the spec's data sources (as `mlship train` reads them).",
  "retraining.data.log":
    "Include labelled prediction-log rows (the logged inputs joined with their feedback labels), older than the evaluation window.",
  "retraining.data.maxLogRows": "At most this many labelled log rows (the latest) are added.",
  "retraining.evaluation":
    "The latest labelled predictions, kept out of the challenger's training, on which champion and challenger are both scored.",
  "retraining.evaluation.rows": "How many of the latest labelled predictions form the evaluation window.",
  "retraining.evaluation.minRows": "Fewer labelled rows than this: no comparison and no promotion.",
  "retraining.promotion": "When a challenger replaces the champion.",
  "retraining.promotion.margin":
    "The challenger must beat the champion on the evaluation window by at least this much, in the primary metric's units.",
  "retraining.promotion.alpha":
    "And a one-sided paired test (DeLong for ROC AUC, McNemar for accuracy, bootstrap otherwise) must find it better at this significance.",
  "retraining.guard":
    "After a promotion, the new champion is compared with the old one on the predictions labelled meanwhile; a worse one is rolled back.",
  "retraining.guard.period": "How long the guard lasts after a promotion, e.g. 24h.",
  "retraining.guard.rows":
    "The guard is judged as soon as this many labelled rows were served by the new champion.",
  "retraining.guard.minRows":
    "Fewer labelled rows than this when the period ends: not judged, and the new champion stays.",
  "retraining.guard.alpha":
    "Roll back when the old champion is better at this significance (one-sided paired test).",
  "retraining.guard.rollback": "false: record a worse new champion but leave it in place.",
} as const;

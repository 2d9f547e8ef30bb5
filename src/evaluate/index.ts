export { clone } from "./clone.js";
export {
  type CrossValidateOptions,
  type CrossValidateResult,
  crossValidate,
  type FoldResult,
} from "./crossValidate.js";
export { type CrossValidator, type Fold, KFold, type KFoldOptions, StratifiedKFold } from "./kfold.js";
export {
  type Average,
  accuracy,
  balancedAccuracy,
  type ConfusionMatrix,
  confusionMatrix,
  f1,
  type LabelsOptions,
  type PerClassScores,
  type PrecisionRecallFscore,
  type PrecisionRecallOptions,
  perClassScores,
  precision,
  precisionRecallFscore,
  recall,
} from "./metrics/classification.js";
export { daviesBouldinScore, type Matrix, silhouetteScore } from "./metrics/clustering.js";
export type { LabelInput, LabelRef } from "./metrics/labels.js";
export {
  type BrierOptions,
  brierScore,
  type LogLossOptions,
  logLoss,
} from "./metrics/probabilistic.js";
export { averagePrecision, type RankingOptions, rocAuc } from "./metrics/ranking.js";
export {
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  r2Score,
  rootMeanSquaredError,
} from "./metrics/regression.js";
export {
  type ClassificationReport,
  type ClassificationReportOptions,
  classificationReport,
  formatFixed,
  type ReportRow,
} from "./metrics/report.js";
export { greaterIsBetter, type Prediction, type ScoreOptions, score } from "./metrics/score.js";
export * from "./predict.js";
export * from "./select.js";
export { type TrainTest, type TrainTestSplitOptions, trainTestSplit } from "./split.js";
export * from "./train.js";

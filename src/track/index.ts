export { getArtifact, logArtifact } from "./artifacts.js";
export {
  createExperiment,
  deleteExperiment,
  experimentRunCounts,
  getExperiment,
  getExperimentByName,
  getOrCreateExperiment,
  restoreExperiment,
  searchExperiments,
  setExperimentTag,
  updateExperiment,
} from "./experiments.js";
export { parseFilter } from "./filter.js";
export { heartbeatIntervalMs } from "./heartbeat.js";
export {
  type Batch,
  deleteTag,
  getMetricHistory,
  logBatch,
  logInputs,
  logMetrics,
  logParams,
  setTags,
} from "./log.js";
export { maxKeyLength, maxNameLength, maxValueBytes } from "./names.js";
export {
  type CreateRunOptions,
  createRun,
  currentUser,
  defaultStaleAfterMs,
  deleteRun,
  endRun,
  getRun,
  markStaleRuns,
  resolveRunId,
  restoreRun,
  searchRuns,
  updateRun,
} from "./runs.js";
export { defaultMaxResults, maxMaxResults, type SearchRunsOptions } from "./search.js";
export { ActiveRun, type ChildRunOptions, type StartRunOptions, startRun, withRun } from "./session.js";
export { captureSource } from "./source.js";
export { recordTraining, startTrainingRun } from "./training.js";
export { recordTuning, type TrialRecorder, trialRecorder } from "./tuning.js";
export * from "./types.js";

export {
  aliasHistory,
  championAlias,
  deleteAlias,
  rollbackAlias,
  type SetAliasOptions,
  setAlias,
} from "./aliases.js";
export { type Criteria, championFailures, criteriaFromSpec, evaluationFromSummary } from "./evaluation.js";
export {
  createRegisteredModel,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getRegisteredModel,
  type ModelOptions,
  renameRegisteredModel,
  searchRegisteredModels,
  setRegisteredModelTag,
  updateRegisteredModel,
} from "./models.js";
export { checkAlias, checkModelName, checkVersion } from "./names.js";
export { type RegisterRunOptions, registerRun, summaryArtifactPath } from "./run.js";
export { type RegisterTrainedOptions, registerTrainedModel, type TrainRegistration } from "./train.js";
export type * from "./types.js";
export {
  createModelVersion,
  deleteModelVersion,
  deleteModelVersionTag,
  getModelVersion,
  getVersionByAlias,
  loadModelVersionArtifact,
  type NewModelVersion,
  resolveModelVersion,
  searchModelVersions,
  setModelVersionTag,
  updateModelVersion,
} from "./versions.js";

export { registerInvocations } from "./mlflow.js";
export { ModelHost, type ModelHostOptions } from "./models.js";
export { type PredictOptions, registerPredict } from "./routes.js";
export { TogetherScorer } from "./together.js";

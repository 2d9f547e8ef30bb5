export { FeedbackError, registerFeedback } from "./feedback.js";
export { PredictionLog, type PredictionLogOptions, type QueueDepth } from "./log.js";
export { loadPiiKey, piiHasher, resolvePiiKeyFile } from "./pii.js";

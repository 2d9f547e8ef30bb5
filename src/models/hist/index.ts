export type { FeatureBins, FeatureBinsJSON } from "./binning.js";
export type { HistTree } from "./grower.js";
export { histWorkersAvailable } from "./threads.js";
